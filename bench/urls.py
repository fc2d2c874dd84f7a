from django.urls import path

from bench.bare.views import bare_insert
from ovoz.urls import urlpatterns as ovoz_urlpatterns

urlpatterns = [path("bench/bare-insert", bare_insert), *ovoz_urlpatterns]
