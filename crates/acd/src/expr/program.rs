//! The compiled form: a flat postfix program run on a fixed stack of `f64`s.
//!
//! Booleans travel as 0.0/1.0. Types were checked by the parser, so the only failure left at
//! run time is arithmetic (division or modulo by zero, a non-finite result), which makes the
//! agent not match rather than panic (SPEC §9).
//!
//! A condition route evaluates its program once per idle agent, so the lowering fuses the
//! operand shapes real conditions are made of (`get(x) >= 5`, `… * 2`, `… + get(y)`,
//! `has(x) && …`) into single instructions, and whole programs of the commonest shapes
//! (`has(x)`, `get(x)`, `get(x) >= k`, `has(x) && get(x) >= k`) skip the interpreter and
//! read the agent's skill once. Every fused form computes the same `f64` operations in the
//! same order as the unfused program, so results are bit-for-bit identical.
//!
//! Programs that are a chain on one value (a first operand, then in-place steps: weighted
//! sums such as `get("vip")*2 + get("en")`, single comparisons, `has(x)`) run on one
//! register with no stack at all; `has(x) && get(x) >= k` reads the skill once.

use super::parser::{BinOp, Node};
use super::EvalError;
use crate::skill::{SkillId, SkillSet};

/// Deepest operand stack a program may need; programs are rejected at compile time beyond it.
/// A power of two, so the interpreter can mask its stack index instead of bounds-checking.
pub(crate) const STACK: usize = 64;
/// The stack most programs run on (also a power of two).
const SMALL_STACK: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Const(f64),
    Get(SkillId),
    Has(SkillId),
    Neg,
    Not,
    Bin(BinOp),
    /// `get(id) op k` as one push.
    GetK(SkillId, BinOp, f64),
    /// `top op k`, in place.
    BinK(BinOp, f64),
    /// `top op get(id)`, in place.
    BinGet(BinOp, SkillId),
    /// `has(id) && …`: without the skill push false and jump, else run the right side.
    HasAndJump(SkillId, u32),
    /// `&&`: if the top is false keep it and jump, else pop it and run the right side.
    AndJump(u32),
    /// `||`: if the top is true keep it and jump, else pop it and run the right side.
    OrJump(u32),
}

/// Whole programs that need no stack.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    General,
    /// A first operand then only in-place steps: runs on one register.
    Chain,
    /// `has(x) && get(x) op k`: one skill lookup.
    HasAndGetK(SkillId, BinOp, f64),
}

/// A compiled program's exact identity: equal keys mean the same instructions, constants
/// compared by bit pattern, so equal keys always evaluate alike on every agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ProgramKey(Vec<u64>);

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Program {
    ops: Vec<Op>,
    /// Deepest stack the program reaches; picks a small stack for the common case.
    depth: usize,
    shape: Shape,
}

impl Program {
    /// Lowers a typed tree; `None` when it would need more than [`STACK`] slots.
    pub(crate) fn compile(node: &Node) -> Option<Self> {
        let mut p = Program {
            ops: Vec::new(),
            depth: 0,
            shape: Shape::General,
        };
        let max = p.emit(node, 0)?;
        p.depth = max;
        p.shape = p.shape();
        (max <= STACK).then_some(p)
    }

    /// Emits `node` with `depth` values already on the stack; returns the deepest depth reached.
    fn emit(&mut self, node: &Node, depth: usize) -> Option<usize> {
        if depth >= STACK {
            return None;
        }
        Some(match node {
            Node::Num(_) | Node::Bool(_) | Node::Str(_) => {
                self.push(Op::Const(constant(node).unwrap_or(0.0)), depth + 1)
            }
            Node::Get(id) => self.push(Op::Get(*id), depth + 1),
            Node::Has(id) => self.push(Op::Has(*id), depth + 1),
            Node::Neg(inner) => {
                let m = self.emit(inner, depth)?;
                self.push(Op::Neg, m)
            }
            Node::Not(inner) => {
                let m = self.emit(inner, depth)?;
                self.push(Op::Not, m)
            }
            Node::Bin(op @ (BinOp::And | BinOp::Or), l, r) => self.emit_logic(*op, l, r, depth)?,
            Node::Bin(op, l, r) => self.emit_binary(*op, l, r, depth)?,
        })
    }

    /// `&&` / `||` as a conditional jump over the right side (short-circuit, SPEC §9).
    fn emit_logic(&mut self, op: BinOp, l: &Node, r: &Node, depth: usize) -> Option<usize> {
        let has = match (op, l) {
            (BinOp::And, Node::Has(id)) => Some(*id),
            _ => None,
        };
        let ml = match has {
            Some(_) => depth + 1,
            None => self.emit(l, depth)?,
        };
        let jump_at = self.ops.len();
        // Placeholder until the jump target is known.
        self.ops.push(Op::Const(0.0));
        let mr = self.emit(r, depth)?;
        let target = u32::try_from(self.ops.len()).ok()?;
        self.ops[jump_at] = match (has, op) {
            (Some(id), _) => Op::HasAndJump(id, target),
            (None, BinOp::And) => Op::AndJump(target),
            (None, _) => Op::OrJump(target),
        };
        Some(ml.max(mr))
    }

    /// An arithmetic or comparison operator, fused with a constant or `get` operand.
    fn emit_binary(&mut self, op: BinOp, l: &Node, r: &Node, depth: usize) -> Option<usize> {
        match (l, constant(r), r) {
            (Node::Get(id), Some(k), _) => Some(self.push(Op::GetK(*id, op, k), depth + 1)),
            (_, Some(k), _) => {
                let ml = self.emit(l, depth)?;
                Some(self.push(Op::BinK(op, k), ml))
            }
            (_, None, Node::Get(id)) => {
                let ml = self.emit(l, depth)?;
                Some(self.push(Op::BinGet(op, *id), ml))
            }
            _ => {
                let ml = self.emit(l, depth)?;
                let mr = self.emit(r, depth + 1)?;
                Some(self.push(Op::Bin(op), ml.max(mr)))
            }
        }
    }

    fn push(&mut self, op: Op, depth: usize) -> usize {
        self.ops.push(op);
        depth
    }

    /// Recognises the programs [`Shape`] runs without the interpreter.
    fn shape(&self) -> Shape {
        let first = |op: &Op| matches!(op, Op::Const(_) | Op::Get(_) | Op::GetK(..) | Op::Has(_));
        let step = |op: &Op| matches!(op, Op::Neg | Op::Not | Op::BinK(..) | Op::BinGet(..));
        match self.ops.as_slice() {
            [Op::HasAndJump(a, 2), Op::GetK(b, op, k)] if a == b => Shape::HasAndGetK(*a, *op, *k),
            [head, rest @ ..] if first(head) && rest.iter().all(step) => Shape::Chain,
            _ => Shape::General,
        }
    }

    /// The program's identity, for grouping tasks that wait on the same condition.
    pub(crate) fn key(&self) -> ProgramKey {
        let mut words = Vec::with_capacity(self.ops.len() * 3);
        for op in &self.ops {
            let (tag, a, b) = match *op {
                Op::Const(v) => (0, v.to_bits(), 0),
                Op::Get(id) => (1, u64::from(id.0), 0),
                Op::Has(id) => (2, u64::from(id.0), 0),
                Op::Neg => (3, 0, 0),
                Op::Not => (4, 0, 0),
                Op::Bin(o) => (5 | op_tag(o), 0, 0),
                Op::GetK(id, o, k) => (6 | op_tag(o), u64::from(id.0), k.to_bits()),
                Op::BinK(o, k) => (7 | op_tag(o), k.to_bits(), 0),
                Op::BinGet(o, id) => (8 | op_tag(o), u64::from(id.0), 0),
                Op::HasAndJump(id, t) => (9, u64::from(id.0), u64::from(t)),
                Op::AndJump(t) => (10, u64::from(t), 0),
                Op::OrJump(t) => (11, u64::from(t), 0),
            };
            words.extend([tag, a, b]);
        }
        ProgramKey(words)
    }

    /// Runs the program against one agent's skills.
    #[inline]
    pub(crate) fn run(&self, skills: &SkillSet) -> Result<f64, EvalError> {
        match self.shape {
            Shape::Chain => self.run_chain(skills),
            Shape::HasAndGetK(id, op, k) => match skills.score(id) {
                Some(s) => binary(op, f64::from(s), k),
                None => Ok(0.0),
            },
            // Zeroing a 64-slot stack per agent costs as much as a short program: nearly
            // every real condition fits in 8 slots.
            Shape::General if self.depth <= SMALL_STACK => self.run_on::<SMALL_STACK>(skills),
            Shape::General => self.run_on::<STACK>(skills),
        }
    }

    /// A [`Shape::Chain`] program on one register.
    #[inline]
    fn run_chain(&self, skills: &SkillSet) -> Result<f64, EvalError> {
        let get = |id| f64::from(skills.score(id).unwrap_or(0));
        let mut acc = 0.0;
        for op in &self.ops {
            acc = match *op {
                Op::Const(v) => v,
                Op::Get(id) => get(id),
                Op::GetK(id, b, k) => binary(b, get(id), k)?,
                Op::Has(id) => truth(skills.score(id).is_some()),
                Op::Neg => -acc,
                Op::Not => truth(acc == 0.0),
                Op::BinK(b, k) => binary(b, acc, k)?,
                Op::BinGet(b, id) => binary(b, acc, get(id))?,
                // Not in a chain (see `shape`): jumps and two-operand steps need the stack.
                Op::Bin(_) | Op::HasAndJump(..) | Op::AndJump(_) | Op::OrJump(_) => acc,
            };
        }
        Ok(acc)
    }

    /// The interpreter on an `N`-slot stack; `N >= self.depth` (checked by the caller) and a
    /// power of two. Indexes are masked with `N - 1`: compilation keeps `sp` within
    /// `1..=depth` wherever it is read, so the mask never changes an index, and it lets the
    /// compiler drop every bounds check without `unsafe`.
    #[inline]
    fn run_on<const N: usize>(&self, skills: &SkillSet) -> Result<f64, EvalError> {
        let m = N - 1;
        let get = |id| f64::from(skills.score(id).unwrap_or(0));
        let mut stack = [0.0f64; N];
        let mut sp = 0usize;
        let mut pc = 0usize;
        let ops = self.ops.as_slice();
        while let Some(op) = ops.get(pc) {
            pc += 1;
            let top = sp.wrapping_sub(1) & m;
            match *op {
                Op::Const(v) => {
                    stack[sp & m] = v;
                    sp += 1;
                }
                Op::Get(id) => {
                    stack[sp & m] = get(id);
                    sp += 1;
                }
                Op::GetK(id, b, k) => {
                    stack[sp & m] = binary(b, get(id), k)?;
                    sp += 1;
                }
                Op::Has(id) => {
                    stack[sp & m] = truth(skills.score(id).is_some());
                    sp += 1;
                }
                Op::Neg => stack[top] = -stack[top],
                Op::Not => stack[top] = truth(stack[top] == 0.0),
                Op::BinK(b, k) => stack[top] = binary(b, stack[top], k)?,
                Op::BinGet(b, id) => stack[top] = binary(b, stack[top], get(id))?,
                Op::HasAndJump(id, t) => {
                    if skills.score(id).is_none() {
                        stack[sp & m] = 0.0;
                        sp += 1;
                        pc = t as usize;
                    }
                }
                Op::AndJump(t) | Op::OrJump(t) => {
                    let truthy = stack[top] != 0.0;
                    if truthy == matches!(op, Op::OrJump(_)) {
                        pc = t as usize;
                    } else {
                        sp = sp.saturating_sub(1);
                    }
                }
                Op::Bin(b) => {
                    sp = sp.saturating_sub(1);
                    let under = sp.wrapping_sub(1) & m;
                    stack[under] = binary(b, stack[under], stack[sp & m])?;
                }
            }
        }
        // Compilation guarantees exactly one value is left.
        Ok(stack[0])
    }
}

/// Distinguishes fused instructions by operator in a [`ProgramKey`].
fn op_tag(op: BinOp) -> u64 {
    (op as u64) << 8
}

/// The value of a literal operand, if `node` is one.
fn constant(node: &Node) -> Option<f64> {
    match node {
        Node::Num(v) => Some(*v),
        Node::Bool(b) => Some(truth(*b)),
        // Strings never reach code generation: the parser folds `"a" == "b"` and rejects
        // every other use; a constant false keeps this total anyway.
        Node::Str(_) => Some(0.0),
        _ => None,
    }
}

#[inline]
fn truth(c: bool) -> f64 {
    f64::from(u8::from(c))
}

#[inline]
fn binary(op: BinOp, a: f64, b: f64) -> Result<f64, EvalError> {
    Ok(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div | BinOp::Rem if b == 0.0 => return Err(EvalError::DivisionByZero),
        BinOp::Div => a / b,
        BinOp::Rem => a % b,
        BinOp::Eq => truth(a == b),
        BinOp::Ne => truth(a != b),
        BinOp::Lt => truth(a < b),
        BinOp::Le => truth(a <= b),
        BinOp::Gt => truth(a > b),
        BinOp::Ge => truth(a >= b),
        // Short-circuit operators are lowered to jumps; if one did arrive here, the right
        // side alone decides, which is what the jump would have left.
        BinOp::And => truth(a != 0.0 && b != 0.0),
        BinOp::Or => truth(a != 0.0 || b != 0.0),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The tree evaluated directly, as SPEC §9 describes it: the reference the fused program
    /// must agree with bit for bit.
    fn tree(n: &Node, s: &SkillSet) -> Result<f64, EvalError> {
        Ok(match n {
            Node::Num(_) | Node::Bool(_) | Node::Str(_) => constant(n).unwrap_or(0.0),
            Node::Get(id) => f64::from(s.score(*id).unwrap_or(0)),
            Node::Has(id) => truth(s.score(*id).is_some()),
            Node::Neg(i) => -tree(i, s)?,
            Node::Not(i) => truth(tree(i, s)? == 0.0),
            Node::Bin(BinOp::And, l, r) => match tree(l, s)? {
                v if v == 0.0 => v,
                _ => tree(r, s)?,
            },
            Node::Bin(BinOp::Or, l, r) => match tree(l, s)? {
                v if v != 0.0 => v,
                _ => tree(r, s)?,
            },
            Node::Bin(op, l, r) => binary(*op, tree(l, s)?, tree(r, s)?)?,
        })
    }

    fn bx(n: Node) -> Box<Node> {
        Box::new(n)
    }

    fn num() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            (-3i32..6).prop_map(|v| Node::Num(f64::from(v))),
            (0u32..4).prop_map(|i| Node::Get(SkillId(i))),
        ];
        let ops = prop::sample::select(vec![
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::Div,
            BinOp::Rem,
        ]);
        leaf.prop_recursive(4, 16, 2, move |inner| {
            prop_oneof![
                inner.clone().prop_map(|n| Node::Neg(bx(n))),
                (ops.clone(), inner.clone(), inner).prop_map(|(op, l, r)| Node::Bin(
                    op,
                    bx(l),
                    bx(r)
                )),
            ]
        })
    }

    fn boolean() -> impl Strategy<Value = Node> {
        let cmp = prop::sample::select(vec![
            BinOp::Eq,
            BinOp::Ne,
            BinOp::Lt,
            BinOp::Le,
            BinOp::Gt,
            BinOp::Ge,
        ]);
        let leaf = prop_oneof![
            any::<bool>().prop_map(Node::Bool),
            (0u32..4).prop_map(|i| Node::Has(SkillId(i))),
            (cmp, num(), num()).prop_map(|(op, l, r)| Node::Bin(op, bx(l), bx(r))),
        ];
        let logic = prop::sample::select(vec![BinOp::And, BinOp::Or, BinOp::Eq, BinOp::Ne]);
        leaf.prop_recursive(3, 12, 2, move |inner| {
            prop_oneof![
                inner.clone().prop_map(|n| Node::Not(bx(n))),
                (logic.clone(), inner.clone(), inner).prop_map(|(op, l, r)| Node::Bin(
                    op,
                    bx(l),
                    bx(r)
                )),
            ]
        })
    }

    fn agent() -> impl Strategy<Value = SkillSet> {
        prop::collection::vec((0u32..4, 0i32..6), 0..4)
            .prop_map(|v| SkillSet::from_pairs(v.into_iter().map(|(i, s)| (SkillId(i), s))))
    }

    fn same(a: Result<f64, EvalError>, b: Result<f64, EvalError>) -> bool {
        match (a, b) {
            (Ok(x), Ok(y)) => x.to_bits() == y.to_bits(),
            (x, y) => x == y,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn fused_programs_agree_with_the_tree(
            n in prop_oneof![num(), boolean()],
            agents in prop::collection::vec(agent(), 1..6),
        ) {
            let p = Program::compile(&n).expect("shallow trees compile");
            for a in &agents {
                prop_assert!(same(p.run(a), tree(&n, a)), "{n:?} on {a:?}");
            }
            prop_assert_eq!(Program::compile(&n).map(|q| q.key()), Some(p.key()));
        }
    }

    #[test]
    fn common_shapes_skip_the_interpreter() {
        let (x, y) = (SkillId(0), SkillId(1));
        let ge5 = || Node::Bin(BinOp::Ge, bx(Node::Get(x)), bx(Node::Num(5.0)));
        let weighted = Node::Bin(
            BinOp::Add,
            bx(Node::Bin(BinOp::Mul, bx(Node::Get(x)), bx(Node::Num(2.0)))),
            bx(Node::Get(y)),
        );
        let cases = [
            (Node::Has(x), Shape::Chain),
            (Node::Not(bx(Node::Neg(bx(Node::Get(x))))), Shape::Chain),
            (ge5(), Shape::Chain),
            (weighted, Shape::Chain),
            (
                Node::Bin(BinOp::And, bx(Node::Has(x)), bx(ge5())),
                Shape::HasAndGetK(x, BinOp::Ge, 5.0),
            ),
            (
                Node::Bin(BinOp::And, bx(Node::Has(y)), bx(ge5())),
                Shape::General,
            ),
        ];
        for (n, shape) in cases {
            let p = Program::compile(&n).expect("compiles");
            assert_eq!(p.shape, shape, "{n:?}");
            for score in [None, Some(4), Some(5)] {
                let a = SkillSet::from_pairs(score.map(|s| (x, s)));
                assert!(same(p.run(&a), tree(&n, &a)), "{n:?} on {a:?}");
            }
        }
    }

    #[test]
    fn different_constants_or_skills_make_different_keys() {
        let k = |id: u32, v: f64| {
            let n = Node::Bin(BinOp::Ge, bx(Node::Get(SkillId(id))), bx(Node::Num(v)));
            Program::compile(&n).expect("compiles").key()
        };
        assert_eq!(k(0, 5.0), k(0, 5.0));
        assert_ne!(k(0, 5.0), k(0, 6.0));
        assert_ne!(k(0, 5.0), k(1, 5.0));
        assert_ne!(k(0, 0.0), k(0, -0.0), "bit patterns, not float equality");
    }
}
