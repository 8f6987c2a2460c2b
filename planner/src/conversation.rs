//! Multi-turn merge rules (SPEC §2).
