//! Business rules of employment tracking, as pure functions.

pub mod apprenticeship;
pub mod contribution;
pub mod evidence;
pub mod matching;
pub mod window;
