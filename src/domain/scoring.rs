//! Points per verdict, round totals and experience points.

use super::scenario::Verdict;

/// Points for the best answer to one scenario.
pub const MAX_POINTS_PER_SCENARIO: u32 = 100;

impl Verdict {
    pub fn points(self) -> u32 {
        match self {
            Verdict::Correct => MAX_POINTS_PER_SCENARIO,
            Verdict::Partial => 50,
            Verdict::Unsafe => 10,
        }
    }
}

/// Returns the highest score a round of `scenario_count` scenarios can reach.
pub fn max_score(scenario_count: usize) -> u32 {
    MAX_POINTS_PER_SCENARIO * scenario_count as u32
}

/// Returns the experience points a finished round earns: a tenth of its score, rounded down.
pub fn experience_points(score: u32) -> u32 {
    score / 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_points() {
        assert_eq!(Verdict::Correct.points(), 100);
        assert_eq!(Verdict::Partial.points(), 50);
        assert_eq!(Verdict::Unsafe.points(), 10);
    }

    #[test]
    fn round_of_eight_maximum() {
        assert_eq!(max_score(8), 800);
    }

    #[test]
    fn experience_is_a_tenth_rounded_down() {
        assert_eq!(experience_points(800), 80);
        assert_eq!(experience_points(455), 45);
        assert_eq!(experience_points(9), 0);
    }
}
