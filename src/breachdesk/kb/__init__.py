"""Knowledge base: incidents, documents, entries, contacts and facts."""
