//! Alert routing (grows with the alerts issue).
