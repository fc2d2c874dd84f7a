from django.contrib.admin.apps import AdminConfig


class OvozAdminConfig(AdminConfig):
    default_site = "ovoz.core.admin_site.OvozAdminSite"
