"""The native 1CRM dialect: one module per endpoint group."""
