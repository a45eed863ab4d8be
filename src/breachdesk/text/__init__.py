"""Language: normalising, tokenizing, readings and the sentence encoders (USE, e5).

Shared by the answer engine (`breachdesk.answer`) and the intent classifier
(`breachdesk.intents`); it imports neither, nor anything above the database seam.
"""
