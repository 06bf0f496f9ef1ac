"""The Amazon Lex V2 channel: event and response models, intent routing, dialog actions and the bot definition."""
