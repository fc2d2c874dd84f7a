from django.contrib.admin.apps import AdminConfig


class OvozAdminConfig(AdminConfig):
    default_site = "ovoz.accounts.admin_site.OvozAdminSite"
