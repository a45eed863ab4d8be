"""The inquiry desk: inquiries, categories, campaigns and imported daily figures."""
