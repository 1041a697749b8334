//! The compiled form: a flat postfix program run on a fixed stack of `f64`s.
//!
//! Booleans travel as 0.0/1.0. Types were checked by the parser, so the only failure left at
//! run time is arithmetic (division or modulo by zero, a non-finite result), which makes the
//! agent not match rather than panic (SPEC §9).

use super::parser::{BinOp, Node};
use super::EvalError;
use crate::skill::{SkillId, SkillSet};

/// Deepest operand stack a program may need; programs are rejected at compile time beyond it.
pub(crate) const STACK: usize = 64;
/// The stack most programs run on.
const SMALL_STACK: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Const(f64),
    Get(SkillId),
    Has(SkillId),
    Neg,
    Not,
    Bin(BinOp),
    /// `&&`: if the top is false keep it and jump, else pop it and run the right side.
    AndJump(u32),
    /// `||`: if the top is true keep it and jump, else pop it and run the right side.
    OrJump(u32),
}

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Program {
    ops: Vec<Op>,
    /// Deepest stack the program reaches; picks a small stack for the common case.
    depth: usize,
}

impl Program {
    /// Lowers a typed tree; `None` when it would need more than [`STACK`] slots.
    pub(crate) fn compile(node: &Node) -> Option<Self> {
        let mut p = Program {
            ops: Vec::new(),
            depth: 0,
        };
        let max = p.emit(node, 0)?;
        p.depth = max;
        (max <= STACK).then_some(p)
    }

    /// Emits `node` with `depth` values already on the stack; returns the deepest depth reached.
    fn emit(&mut self, node: &Node, depth: usize) -> Option<usize> {
        if depth >= STACK {
            return None;
        }
        Some(match node {
            Node::Num(v) => self.push(Op::Const(*v), depth + 1),
            Node::Bool(b) => self.push(Op::Const(f64::from(u8::from(*b))), depth + 1),
            // Strings never reach code generation: the parser folds `"a" == "b"` and rejects
            // every other use; a constant false keeps this total anyway.
            Node::Str(_) => self.push(Op::Const(0.0), depth + 1),
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
            Node::Bin(op @ (BinOp::And | BinOp::Or), l, r) => {
                let ml = self.emit(l, depth)?;
                let jump_at = self.ops.len();
                self.ops.push(Op::Const(0.0));
                let mr = self.emit(r, depth)?;
                let target = u32::try_from(self.ops.len()).ok()?;
                self.ops[jump_at] = if *op == BinOp::And {
                    Op::AndJump(target)
                } else {
                    Op::OrJump(target)
                };
                ml.max(mr)
            }
            Node::Bin(op, l, r) => {
                let ml = self.emit(l, depth)?;
                let mr = self.emit(r, depth + 1)?;
                self.push(Op::Bin(*op), ml.max(mr))
            }
        })
    }

    fn push(&mut self, op: Op, depth: usize) -> usize {
        self.ops.push(op);
        depth
    }

    /// Runs the program against one agent's skills.
    #[inline]
    pub(crate) fn run(&self, skills: &SkillSet) -> Result<f64, EvalError> {
        // Zeroing a 64-slot stack per agent costs as much as a short program: nearly every
        // real condition fits in 8 slots.
        if self.depth <= SMALL_STACK {
            self.run_on::<SMALL_STACK>(skills)
        } else {
            self.run_on::<STACK>(skills)
        }
    }

    /// The interpreter on an `N`-slot stack; `N >= self.depth` (checked by the caller).
    #[inline]
    fn run_on<const N: usize>(&self, skills: &SkillSet) -> Result<f64, EvalError> {
        let mut stack = [0.0f64; N];
        let mut sp = 0usize;
        let mut pc = 0usize;
        let ops = self.ops.as_slice();
        while let Some(op) = ops.get(pc) {
            pc += 1;
            match *op {
                Op::Const(v) => {
                    stack[sp] = v;
                    sp += 1;
                }
                Op::Get(id) => {
                    stack[sp] = f64::from(skills.score(id).unwrap_or(0));
                    sp += 1;
                }
                Op::Has(id) => {
                    stack[sp] = f64::from(u8::from(skills.score(id).is_some()));
                    sp += 1;
                }
                Op::Neg => stack[sp - 1] = -stack[sp - 1],
                Op::Not => stack[sp - 1] = f64::from(u8::from(stack[sp - 1] == 0.0)),
                Op::AndJump(t) | Op::OrJump(t) => {
                    let truthy = stack[sp - 1] != 0.0;
                    if truthy == matches!(op, Op::OrJump(_)) {
                        pc = t as usize;
                    } else {
                        sp -= 1;
                    }
                }
                Op::Bin(b) => {
                    sp -= 1;
                    stack[sp - 1] = binary(b, stack[sp - 1], stack[sp])?;
                }
            }
        }
        // Compilation guarantees exactly one value is left.
        Ok(stack[0])
    }
}

#[inline]
fn binary(op: BinOp, a: f64, b: f64) -> Result<f64, EvalError> {
    let t = |c: bool| f64::from(u8::from(c));
    Ok(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div | BinOp::Rem if b == 0.0 => return Err(EvalError::DivisionByZero),
        BinOp::Div => a / b,
        BinOp::Rem => a % b,
        BinOp::Eq => t(a == b),
        BinOp::Ne => t(a != b),
        BinOp::Lt => t(a < b),
        BinOp::Le => t(a <= b),
        BinOp::Gt => t(a > b),
        BinOp::Ge => t(a >= b),
        // Short-circuit operators are lowered to jumps; if one did arrive here, the right
        // side alone decides, which is what the jump would have left.
        BinOp::And => t(a != 0.0 && b != 0.0),
        BinOp::Or => t(a != 0.0 || b != 0.0),
    })
}
