//! The command line: global options and one subcommand per API call. What each command
//! sends is in [`super::request`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Drive a Switchboard agent from the command line.
#[derive(Debug, Parser)]
#[command(name = "agent_desk", version)]
pub struct Cli {
    /// The server's HTTP address (a trailing `/v1` is accepted).
    #[arg(long, env = "SWITCHBOARD_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The call center's API token.
    #[arg(long, env = "SWITCHBOARD_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Use the long path form `/v1/callcenter/{id}/…` with this call-center id (default: the
    /// short form, which means the token's call center).
    #[arg(long, env = "SWITCHBOARD_CALLCENTER")]
    pub callcenter: Option<String>,
    /// Print the API's JSON envelope as it came instead of a readable summary.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// One thing to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log an agent in, bound to an extension (`POST /callcenter/agent`).
    Login {
        /// The agent's name.
        name: String,
        /// The extension's id.
        #[arg(long)]
        extension: String,
        /// The job number announced to callers.
        #[arg(long)]
        num: Option<String>,
        /// The state after login (`idle`, `busy/x`, `away/x`).
        #[arg(long)]
        state: Option<String>,
        /// A skill, `NAME` or `NAME=SCORE` (repeatable).
        #[arg(long = "skill", value_name = "NAME[=SCORE]")]
        skills: Vec<String>,
    },
    /// Log an agent out.
    Logout {
        /// The agent.
        name: String,
        /// Hang up the agent's calls first instead of refusing.
        #[arg(long)]
        force: bool,
    },
    /// Tell the server the agent's desk is still there.
    Keepalive {
        /// The agent.
        name: String,
    },
    /// Set the agent's state: `idle`, `busy[/x]` or `away[/x]`.
    State {
        /// The agent.
        name: String,
        /// The new state.
        state: String,
    },
    /// Add, update or remove skills, applied in order: removals, then sets.
    Skills {
        /// The agent.
        name: String,
        /// Add or update `NAME=SCORE` (repeatable).
        #[arg(long = "set", value_name = "NAME=SCORE")]
        set: Vec<String>,
        /// Remove a skill (repeatable).
        #[arg(long = "remove", value_name = "NAME")]
        remove: Vec<String>,
        /// Remove every skill first.
        #[arg(long)]
        clear: bool,
    },
    /// Show one agent, or list them all.
    Agents {
        /// The agent (all when absent).
        name: Option<String>,
    },
    /// Refuse the task being offered (`reject`).
    Reject {
        /// The agent.
        name: String,
        /// The task (`task_id`).
        #[arg(long)]
        task: String,
        /// Handed back to the IVR's `<enqueue>` `<next>`.
        #[arg(long)]
        data: Option<String>,
    },
    /// Call a number through the trunk (`callout`).
    Callout {
        /// The agent.
        name: String,
        /// The number and dialling limits.
        #[command(flatten)]
        dial: Dial,
        /// Dial in the background: stay in the current conversation.
        #[arg(long)]
        background: bool,
    },
    /// Call another agent found by a queue task (`callagent`).
    #[command(name = "callagent")]
    CallAgent {
        /// The agent.
        name: String,
        /// Which agent to call.
        #[command(flatten)]
        select: Select,
        /// Dial in the background.
        #[arg(long)]
        background: bool,
    },
    /// Hand an offered task to other agents (`forwardAgent`).
    #[command(name = "forward-agent", visible_alias = "forwardAgent")]
    ForwardAgent {
        /// The agent.
        name: String,
        /// The offered task (`queueId`).
        #[arg(long)]
        queue_id: String,
        /// The agents to hand it to.
        #[command(flatten)]
        select: Select,
    },
    /// Transfer the other party to an agent (`xferAgent`).
    #[command(name = "xfer-agent", visible_alias = "xferAgent")]
    XferAgent {
        /// The agent.
        name: String,
        /// The one-to-one conversation.
        #[arg(long)]
        conversation: String,
        /// The agent to transfer to.
        #[command(flatten)]
        select: Select,
        /// Stay (held) until the transfer succeeds (`release=false`).
        #[arg(long)]
        keep: bool,
    },
    /// Transfer the other party to a number (`xferOut`).
    #[command(name = "xfer-out", visible_alias = "xferOut")]
    XferOut {
        /// The agent.
        name: String,
        /// The one-to-one conversation.
        #[arg(long)]
        conversation: String,
        /// The number and dialling limits.
        #[command(flatten)]
        dial: Dial,
        /// Stay (held) until the transfer succeeds (`release=false`).
        #[arg(long)]
        keep: bool,
    },
    /// Hold: the agent's mode in the conversation becomes 4 (`pause`).
    Pause {
        /// The agent.
        name: String,
        /// The conversation.
        #[arg(long)]
        conversation: String,
    },
    /// Unhold (`resume`).
    Resume {
        /// The agent.
        name: String,
        /// The conversation.
        #[arg(long)]
        conversation: String,
        /// The mode afterwards, 1–3 (default 1).
        #[arg(long)]
        mode: Option<i64>,
    },
    /// Set the agent's voice mode, 1–4 (`setVoiceIoMode`).
    #[command(name = "set-mode", visible_alias = "setVoiceIoMode")]
    SetMode {
        /// The agent.
        name: String,
        /// The conversation.
        #[arg(long)]
        conversation: String,
        /// 1 both ways, 2 speak only, 3 listen only, 4 hold.
        #[arg(long)]
        mode: i64,
    },
    /// Join a conversation, e.g. a supervisor listening with `--mode 3` (`join`).
    Join {
        /// The agent.
        name: String,
        /// The conversation.
        #[arg(long)]
        conversation: String,
        /// The mode, 0–4 (0 or absent: 1).
        #[arg(long)]
        mode: Option<i64>,
    },
    /// Leave a conversation (`depart`); an IVR caller goes back to its IVR with `--data`.
    Depart {
        /// The agent.
        name: String,
        /// The conversation.
        #[arg(long)]
        conversation: String,
        /// Handed to the caller's IVR (`no_survey` skips the ivr_app example's survey).
        #[arg(long)]
        data: Option<String>,
    },
    /// Invite another agent into a conversation (`inviteAgent`).
    #[command(name = "invite-agent", visible_alias = "inviteAgent")]
    InviteAgent {
        /// The inviting agent.
        name: String,
        /// The conversation.
        #[arg(long)]
        conversation: String,
        /// The agent to invite.
        #[command(flatten)]
        select: Select,
        /// Do not hold the inviter while the task runs.
        #[arg(long)]
        background: bool,
        /// The invited agent's mode, 0–4.
        #[arg(long)]
        mode: Option<i64>,
    },
    /// Invite a number into a conversation (`inviteOut`).
    #[command(name = "invite-out", visible_alias = "inviteOut")]
    InviteOut {
        /// The inviting agent.
        name: String,
        /// The conversation.
        #[arg(long)]
        conversation: String,
        /// The number and dialling limits.
        #[command(flatten)]
        dial: Dial,
        /// Do not hold the inviter while the number is dialled.
        #[arg(long)]
        background: bool,
        /// The invited party's mode, 0–4.
        #[arg(long)]
        mode: Option<i64>,
    },
    /// Follow the call center's events live; resumes after a dropped connection.
    Watch {
        /// Replay the events after this sequence number first.
        #[arg(long)]
        since: Option<u64>,
        /// Stop after this many events.
        #[arg(long)]
        count: Option<u64>,
    },
}

/// A number to dial and its limits.
#[derive(Debug, Clone, Args)]
pub struct Dial {
    /// The number called.
    pub to: String,
    /// The caller id shown (default: one of the trunk's numbers).
    #[arg(long)]
    pub from: Option<String>,
    /// How long it may ring, in seconds.
    #[arg(long)]
    pub max_dial_seconds: Option<i64>,
    /// How long the answered call may last, in seconds.
    #[arg(long)]
    pub max_answer_seconds: i64,
}

/// How the other agent is selected: a skill, a named agent, or an `<enqueue>` document.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Select {
    /// Any idle agent with this skill, best score first.
    #[arg(long)]
    pub skill: Option<String>,
    /// This agent.
    #[arg(long)]
    pub to_agent: Option<String>,
    /// An `<enqueue>` document.
    #[arg(long)]
    pub enqueue: Option<String>,
    /// A file holding an `<enqueue>` document.
    #[arg(long)]
    pub enqueue_file: Option<PathBuf>,
}
