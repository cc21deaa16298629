//! Chat adapters (grows with the chat bot issue).
