//! Agents (SPEC §1, §3, §4): names, states, skills and the state machine that moves them.

mod machine;
mod name;
mod skills;
mod state;

pub use machine::{Agent, AgentError, AgentPolicy, Reported, ReturnTo, StateChanged};
pub use name::{validate_num, AgentName, NameError, MAX_NAME, MAX_NUM};
pub use skills::{Skill, SkillError, SkillOpt, Skills, MAX_SCORE, MAX_SKILL_NAME};
pub use state::{AgentState, Base, StateError, MAX_EXTENSION};
