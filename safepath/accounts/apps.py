"""App configuration for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safepath.accounts"
    label = "accounts"

    def ready(self) -> None:
        from safepath.accounts.demo import seed_accounts
        from safepath.core.demo import register_demo_seeder

        register_demo_seeder("accounts", seed_accounts, order=10)
