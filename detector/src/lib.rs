//! Detection engine (grows with the detection issue).
