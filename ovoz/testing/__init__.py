"""Ovoz's test plugin and the helpers every app's tests share.

``ovoz.testing.plugin`` is loaded by the repository's ``conftest.py`` and gives every test the shared
fixtures (seeded places and themes, the working groups' world, signed-in clients, the loopback SMS
gateway and Bot API, a confidential-intake recipient, Playwright's Chromium). Tests import helpers from
here (``sign_in``, ``form_token``, ``receipt_in``, ``jpeg_with_gps``, the fakes), never from another app's
``conftest`` or test module. Nothing in this package is imported by the application.
"""
