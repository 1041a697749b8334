//! From the element tree to [`Enqueue`], collecting every problem.

use std::time::Duration;

use super::dom::{self, Attr, Element, Text};
use super::{
    Choice, ConditionLookup, Diagnostic, DiagnosticKind as K, Enqueue, Route, Selector, SortMode,
    AGENT_FETCH_TIMEOUT, CONDITION_FETCH_TIMEOUT,
};
use crate::agent::{AgentName, AgentState};
use crate::expr::{ExprError, SortExpr, WhereExpr};
use crate::skill::SkillInterner;

const ENQUEUE_ATTRS: &str = "conversation_level, conversation_timeout, choice, reserve_state, fail_overflow, \
wait_voice, ring_mode, ring_voice, hold_voice, play_num, pre_num_voice, post_num_voice, user_data, record";
/// Longest wait a route may name: a day.
const MAX_QUEUE_TIMEOUT: u64 = 86_400;

/// Parses an `<enqueue>` document; on failure returns every problem found, in document order.
pub fn parse(
    xml: &str,
    conditions: &impl ConditionLookup,
    skills: &mut SkillInterner,
) -> Result<Enqueue, Vec<Diagnostic>> {
    let root = dom::parse(xml).map_err(|d| vec![d])?;
    let mut cx = Cx {
        xml,
        diags: Vec::new(),
        conditions,
        skills,
    };
    if root.name != "enqueue" {
        cx.diag(
            root.offset,
            K::WrongRoot {
                found: Some(root.name.clone()),
            },
        );
        return Err(cx.diags);
    }
    let q = cx.enqueue(&root);
    if cx.diags.is_empty() {
        Ok(q)
    } else {
        cx.diags.sort_by_key(|d| d.offset);
        Err(cx.diags)
    }
}

struct Cx<'a, L> {
    xml: &'a str,
    diags: Vec<Diagnostic>,
    conditions: &'a L,
    skills: &'a mut SkillInterner,
}

impl<L: ConditionLookup> Cx<'_, L> {
    fn diag(&mut self, offset: usize, kind: K) {
        self.diags.push(Diagnostic::at(self.xml, offset, kind));
    }

    fn bad(&mut self, el: &Element, a: &Attr, attribute: &'static str, expected: &'static str) {
        let kind = K::BadValue {
            element: el.name.clone(),
            attribute,
            found: a.value.clone(),
            expected,
        };
        self.diag(a.offset, kind);
    }

    fn no_text(&mut self, el: &Element) {
        if let Some(i) = el.text.value.find(|c: char| !c.is_whitespace()) {
            self.diag(
                el.text.doc_offset(i),
                K::UnexpectedText {
                    element: el.name.clone(),
                },
            );
        }
    }

    fn enqueue(&mut self, el: &Element) -> Enqueue {
        let mut q = Enqueue {
            conversation_level: 2,
            conversation_timeout: None,
            choice: Choice::Random,
            reserve_state: AgentState::IDLE,
            fail_overflow: false,
            wait_voice: None,
            ring_mode: 1,
            ring_voice: None,
            hold_voice: None,
            play_num: false,
            pre_num_voice: None,
            post_num_voice: None,
            user_data: None,
            record: false,
            routes: Vec::new(),
        };
        for a in &el.attrs {
            self.enqueue_attr(el, a, &mut q);
        }
        self.no_text(el);
        for child in &el.children {
            if child.name == "route" {
                if let Some(r) = self.route(child) {
                    q.routes.push(r);
                }
            } else {
                let kind = K::UnknownElement {
                    found: child.name.clone(),
                    parent: el.name.clone(),
                    expected: "<route>",
                };
                self.diag(child.offset, kind);
            }
        }
        if !el.children.iter().any(|c| c.name == "route") {
            self.diag(el.offset, K::NoRoutes);
        }
        q
    }

    fn enqueue_attr(&mut self, el: &Element, a: &Attr, q: &mut Enqueue) {
        let v = a.value.as_str();
        let voice = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        match a.name.as_str() {
            "conversation_level" => match v {
                "2" => q.conversation_level = 2,
                _ => self.bad(el, a, "conversation_level", "2 (three-party allowed)"),
            },
            "conversation_timeout" => match v.parse::<u64>() {
                Ok(s @ 1..=86_400) => q.conversation_timeout = Some(Duration::from_secs(s)),
                _ => self.bad(el, a, "conversation_timeout", "seconds, 1 to 86400"),
            },
            "choice" => match v {
                "random" => q.choice = Choice::Random,
                "lru" => q.choice = Choice::Lru,
                _ => self.bad(el, a, "choice", "random or lru"),
            },
            "reserve_state" => match v.parse::<AgentState>() {
                Ok(s) if s.is_settable() => q.reserve_state = s,
                _ => self.bad(el, a, "reserve_state", "idle, busy[/x] or away[/x]"),
            },
            "fail_overflow" => self.flag(el, a, "fail_overflow", &mut q.fail_overflow),
            "play_num" => self.flag(el, a, "play_num", &mut q.play_num),
            "record" => self.flag(el, a, "record", &mut q.record),
            "ring_mode" => match v.parse::<u8>() {
                Ok(m @ 1..=5) => q.ring_mode = m,
                _ => self.bad(el, a, "ring_mode", "1 to 5"),
            },
            "wait_voice" => q.wait_voice = voice(v),
            "ring_voice" => q.ring_voice = voice(v),
            "hold_voice" => q.hold_voice = voice(v),
            "pre_num_voice" => q.pre_num_voice = voice(v),
            "post_num_voice" => q.post_num_voice = voice(v),
            "user_data" => q.user_data = Some(v.to_owned()),
            other => {
                let kind = K::UnknownAttribute {
                    element: el.name.clone(),
                    found: other.to_owned(),
                    expected: ENQUEUE_ATTRS,
                };
                self.diag(a.offset, kind);
            }
        }
    }

    fn flag(&mut self, el: &Element, a: &Attr, attribute: &'static str, out: &mut bool) {
        match a.value.as_str() {
            "true" => *out = true,
            "false" => *out = false,
            _ => self.bad(el, a, attribute, "true or false"),
        }
    }

    fn route(&mut self, el: &Element) -> Option<Route> {
        for a in &el.attrs {
            let kind = K::UnknownAttribute {
                element: "route".into(),
                found: a.name.clone(),
                expected: "no attributes",
            };
            self.diag(a.offset, kind);
        }
        self.no_text(el);
        let mut chosen: Option<&Element> = None;
        for child in &el.children {
            if !matches!(child.name.as_str(), "condition" | "agent" | "skill") {
                let kind = K::UnknownElement {
                    found: child.name.clone(),
                    parent: "route".into(),
                    expected: "<condition>, <agent> or <skill>",
                };
                self.diag(child.offset, kind);
                continue;
            }
            match chosen {
                None => chosen = Some(child),
                Some(first) => {
                    let kind = K::TwoSelectors {
                        first: first.name.clone(),
                        second: child.name.clone(),
                    };
                    self.diag(child.offset, kind);
                }
            }
        }
        let Some(sel) = chosen else {
            self.diag(el.offset, K::MissingSelector);
            return None;
        };
        self.selector(sel)
    }

    /// Route attributes common to every selector; `None` fields were not given.
    fn common(&mut self, el: &Element, a: &Attr, r: &mut Overrides) -> bool {
        match a.name.as_str() {
            "priority" => match a.value.parse::<u8>() {
                Ok(p @ 0..=99) => r.priority = Some(p),
                _ => self.bad(el, a, "priority", "0 to 99"),
            },
            "queue_timeout" => match a.value.parse::<u64>() {
                Ok(s) if s <= MAX_QUEUE_TIMEOUT => r.queue_timeout = Some(Duration::from_secs(s)),
                _ => self.bad(el, a, "queue_timeout", "seconds, 0 to 86400"),
            },
            "fetch_timeout" => match a.value.parse::<u64>() {
                Ok(s @ 1..=60) => r.fetch_timeout = Some(Duration::from_secs(s)),
                _ => self.bad(el, a, "fetch_timeout", "seconds, 1 to 60"),
            },
            _ => return false,
        }
        true
    }

    fn selector(&mut self, el: &Element) -> Option<Route> {
        let mut o = Overrides::default();
        let mut key: Option<&Attr> = None;
        let key_name = match el.name.as_str() {
            "condition" => "id",
            _ => "name",
        };
        for a in &el.attrs {
            if a.name == key_name {
                key = Some(a);
            } else if !self.common(el, a, &mut o) {
                let expected = if el.name == "condition" {
                    "id, priority, queue_timeout, fetch_timeout"
                } else {
                    "name, priority, queue_timeout, fetch_timeout"
                };
                let kind = K::UnknownAttribute {
                    element: el.name.clone(),
                    found: a.name.clone(),
                    expected,
                };
                self.diag(a.offset, kind);
            }
        }
        match el.name.as_str() {
            "condition" => match key {
                Some(id) => self.stored(el, id, o),
                None => self.inline(el, o),
            },
            _ => self.named(el, key, o),
        }
    }

    fn named(&mut self, el: &Element, key: Option<&Attr>, o: Overrides) -> Option<Route> {
        self.no_text(el);
        for c in &el.children {
            let kind = K::UnknownElement {
                found: c.name.clone(),
                parent: el.name.clone(),
                expected: "no children",
            };
            self.diag(c.offset, kind);
        }
        let element = if el.name == "agent" { "agent" } else { "skill" };
        let Some(a) = key else {
            self.diag(
                el.offset,
                K::MissingAttribute {
                    element,
                    attribute: "name",
                },
            );
            return None;
        };
        let selector = if element == "agent" {
            match AgentName::new(&a.value) {
                Ok(n) => Selector::Agent(n),
                Err(_) => {
                    self.bad(
                        el,
                        a,
                        "name",
                        "an agent name: 1 to 32 letters, digits or `_`",
                    );
                    return None;
                }
            }
        } else {
            if a.value.is_empty() || a.value.chars().count() > crate::agent::MAX_SKILL_NAME {
                self.bad(el, a, "name", "a skill name of 1 to 64 characters");
                return None;
            }
            Selector::Skill {
                name: a.value.clone(),
                id: self.skills.intern(&a.value),
            }
        };
        Some(o.route(selector, 0, None, AGENT_FETCH_TIMEOUT))
    }

    fn stored(&mut self, el: &Element, id: &Attr, o: Overrides) -> Option<Route> {
        if !el.children.is_empty() || !el.text.value.trim().is_empty() {
            self.diag(
                el.offset,
                K::MixedCondition {
                    id: id.value.clone(),
                },
            );
        }
        let Some(c) = self.conditions.condition(&id.value) else {
            self.diag(
                id.offset,
                K::UnknownCondition {
                    id: id.value.clone(),
                },
            );
            return None;
        };
        let selector = Selector::Condition {
            id: Some(id.value.clone()),
            where_: c.where_,
            sort: c.sort.map(|s| (s, SortMode::Desc)),
        };
        Some(o.route(selector, c.priority, Some(c.queue_timeout), c.fetch_timeout))
    }

    fn inline(&mut self, el: &Element, o: Overrides) -> Option<Route> {
        self.no_text(el);
        let mut where_: Option<&Element> = None;
        let mut sort: Option<&Element> = None;
        for c in &el.children {
            let slot = match c.name.as_str() {
                "where" => &mut where_,
                "sort" => &mut sort,
                _ => {
                    let kind = K::UnknownElement {
                        found: c.name.clone(),
                        parent: "condition".into(),
                        expected: "<where> or <sort>",
                    };
                    self.diag(c.offset, kind);
                    continue;
                }
            };
            if slot.is_some() {
                self.diag(
                    c.offset,
                    K::DuplicateChild {
                        element: "condition",
                        child: c.name.clone(),
                    },
                );
            } else {
                *slot = Some(c);
            }
        }
        let Some(w) = where_ else {
            self.diag(
                el.offset,
                K::MissingChild {
                    element: "condition",
                    child: "where",
                },
            );
            return None;
        };
        let where_ = self.expr(w, "where", &[], WhereExpr::compile);
        let sort = sort.and_then(|s| {
            let mode = self.sort_mode(s);
            self.expr(s, "sort", &["mode"], SortExpr::compile)
                .map(|e| (e, mode))
        });
        let selector = Selector::Condition {
            id: None,
            where_: where_?,
            sort,
        };
        Some(o.route(selector, 0, None, CONDITION_FETCH_TIMEOUT))
    }

    fn sort_mode(&mut self, el: &Element) -> SortMode {
        match el.attrs.iter().find(|a| a.name == "mode") {
            None => SortMode::Desc,
            Some(a) => match a.value.as_str() {
                "asc" => SortMode::Asc,
                "desc" => SortMode::Desc,
                _ => {
                    self.bad(el, a, "mode", "asc or desc");
                    SortMode::Desc
                }
            },
        }
    }

    fn expr<T>(
        &mut self,
        el: &Element,
        element: &'static str,
        allowed: &[&str],
        compile: impl FnOnce(&str, &mut SkillInterner) -> Result<T, ExprError>,
    ) -> Option<T> {
        for a in el
            .attrs
            .iter()
            .filter(|a| !allowed.contains(&a.name.as_str()))
        {
            let expected = if allowed.is_empty() {
                "no attributes"
            } else {
                "mode"
            };
            let kind = K::UnknownAttribute {
                element: el.name.clone(),
                found: a.name.clone(),
                expected,
            };
            self.diag(a.offset, kind);
        }
        for c in &el.children {
            let kind = K::UnknownElement {
                found: c.name.clone(),
                parent: el.name.clone(),
                expected: "text only",
            };
            self.diag(c.offset, kind);
        }
        let Text { value, .. } = &el.text;
        compile(value, self.skills)
            .map_err(|error| {
                let offset = el.text.doc_offset(error.position().offset);
                // An empty element has no text to point into: point at the element.
                let offset = if value.is_empty() { el.offset } else { offset };
                self.diag(offset, K::Expression { element, error });
            })
            .ok()
    }
}

/// Selector attributes given on the element, overriding the defaults.
#[derive(Default)]
struct Overrides {
    priority: Option<u8>,
    queue_timeout: Option<Duration>,
    fetch_timeout: Option<Duration>,
}

impl Overrides {
    fn route(
        self,
        selector: Selector,
        priority: u8,
        queue: Option<Duration>,
        fetch: Duration,
    ) -> Route {
        Route {
            selector,
            priority: self.priority.unwrap_or(priority),
            queue_timeout: self.queue_timeout.or(queue),
            fetch_timeout: self.fetch_timeout.unwrap_or(fetch),
        }
    }
}
