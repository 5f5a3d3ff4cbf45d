//! Recurrence: Graph patternedRecurrence and RFC 5545 RRULEs, expanded the same way. (being written)
