"""handset-ca core: everything that is not drawing. Never imports textual."""
