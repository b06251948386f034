//! A stress test under way as the window sees it: the [`Stress`] handle (its clients run
//! on the stress pool's own threads), the updates polled from it each frame without
//! waiting, their history for the plots, and the final figures once every client stopped.

use crate::stress::{Figures, Stress, StressConfig};

/// Most points the plots keep: past it, every other one of the older half is dropped
/// (a test of hours still draws in a frame; 4 updates a second fill it in 68 minutes).
pub const MAX_POINTS: usize = 16_384;

/// The window's test: running, or done with its report.
#[derive(Default)]
pub struct Live {
    stress: Option<Stress>,
    stopping: bool,
    /// Every update so far (thinned past [`MAX_POINTS`]).
    pub history: Vec<Figures>,
    /// The final figures, once the test ended.
    pub report: Option<Figures>,
    /// The test the figures are of.
    pub config: Option<StressConfig>,
}

impl Live {
    /// Starts `cfg` on the stress pool; the previous test's figures are cleared.
    pub fn start(&mut self, cfg: StressConfig) -> Result<(), String> {
        if self.stress.is_some() {
            return Err("a test is running: stop it first".into());
        }
        let stress = Stress::start(cfg.clone())?;
        *self = Live {
            stress: Some(stress),
            config: Some(cfg),
            ..Live::default()
        };
        Ok(())
    }

    /// Asks the clients to stop after their request under way; the final figures follow.
    pub fn stop(&mut self) {
        if let Some(s) = &self.stress {
            s.stop();
            self.stopping = true;
        }
    }

    /// True from the start until the final figures arrived.
    pub fn running(&self) -> bool {
        self.stress.is_some()
    }

    /// True once Stop was asked and the clients are finishing.
    pub fn stopping(&self) -> bool {
        self.stopping && self.running()
    }

    /// The newest figures, live or final.
    pub fn latest(&self) -> Option<&Figures> {
        self.report.as_ref().or(self.history.last())
    }

    /// Takes the updates that arrived, without waiting; true when the test ended now.
    pub fn poll(&mut self) -> bool {
        let Some(stress) = &self.stress else {
            return false;
        };
        let arrived: Vec<_> = stress.updates().try_iter().collect();
        let mut done = None;
        for u in arrived {
            if u.done {
                done = Some(u.figures);
                break;
            }
            self.push(u.figures);
        }
        let Some(last) = done else {
            return false;
        };
        self.push(last.clone());
        self.report = Some(last);
        // Every client has stopped: dropping the handle joins the gatherer at once.
        self.stress = None;
        self.stopping = false;
        true
    }

    fn push(&mut self, f: Figures) {
        if self.history.len() >= MAX_POINTS {
            let half = self.history.len() / 2;
            // The older half keeps every other point, its first (the start) among them.
            let mut i = 0;
            self.history.retain(|_| {
                let keep = i >= half || i % 2 == 0;
                i += 1;
                keep
            });
        }
        self.history.push(f);
    }

    /// Requests per second over time, for the plot: (seconds, req/s).
    pub fn qps_series(&self) -> Vec<[f64; 2]> {
        let live = self
            .history
            .len()
            .saturating_sub(usize::from(self.report.is_some()));
        // The final update's rate is the whole test's, not an interval's: left out.
        self.history[..live]
            .iter()
            .map(|f| [f.secs, f.qps])
            .collect()
    }

    /// A latency percentile over time, in µs: `pick` chooses it from the figures.
    pub fn latency_series(&self, pick: fn(&Figures) -> f64) -> Vec<[f64; 2]> {
        self.history
            .iter()
            .filter(|f| f.ok > 0)
            .map(|f| [f.secs, pick(f)])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_history_is_thinned_not_cut() {
        let mut l = Live::default();
        for i in 0..(MAX_POINTS * 3) {
            l.push(Figures {
                secs: i as f64,
                ..Figures::default()
            });
        }
        assert!(l.history.len() <= MAX_POINTS + 1, "{}", l.history.len());
        let secs: Vec<f64> = l.history.iter().map(|f| f.secs).collect();
        assert_eq!(
            secs.first(),
            Some(&0.0),
            "the start stays in view (thinned)"
        );
        assert_eq!(secs.last(), Some(&((MAX_POINTS * 3 - 1) as f64)));
        assert!(secs.windows(2).all(|w| w[0] < w[1]), "in time order");
    }
}
