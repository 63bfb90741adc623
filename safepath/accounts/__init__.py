"""Staff accounts: users, organizations (the tenants), memberships and roles, access helpers."""
