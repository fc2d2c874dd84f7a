import time, cProfile, pstats
import pytest

@pytest.mark.django_db
def test_time_demo():
    from ovoz.operations.demo import demo_load
    t=time.perf_counter(); pr=cProfile.Profile(); pr.enable()
    demo_load()
    pr.disable()
    print("\nDEMO", time.perf_counter()-t)
    pr.dump_stats("/tmp/demo.prof")
