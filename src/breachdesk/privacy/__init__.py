"""Personal data handling: redaction of card numbers, phone numbers, mail addresses, My Numbers."""
