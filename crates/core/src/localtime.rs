//! Local wall-clock time in a room's zone, with explicit rules for DST gaps and folds. (being written)
