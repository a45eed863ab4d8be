"""The affected-person register: encrypted at rest, found through keyed blind indexes.

`crypto` (master key, per-incident data keys, AES-256-GCM), `blind` (normalisation, blind
indexes, masking), `keys` (creating, opening and rotating data keys), `importer` (CSV/XLSX lists),
`service` (look-up, reveal, stats, export), `selfcheck` (the public self-check), `mail` / `sms`
(outgoing messages). See docs/register.md. The scope check without identity reads the published
text only, so it lives in the knowledge base (`kb.scope`).
"""
