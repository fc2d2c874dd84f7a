# Every app's tests share one plugin: ovoz/testing/ (fixtures, fakes, helpers).
pytest_plugins = ["ovoz.testing.plugin", "ovoz.testing.databases"]
