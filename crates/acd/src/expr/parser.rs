//! Pratt parser producing a typed tree; every type rule of SPEC §9 is checked here, so
//! evaluation only meets the runtime errors arithmetic can raise (division by zero).

use super::lexer::{Tok, Token};
use super::{ExprError, Found, Position, Type, MAX_DEPTH};
use crate::skill::{SkillId, SkillInterner};

/// A typed expression node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Num(f64),
    Bool(bool),
    Str(String),
    Get(SkillId),
    Has(SkillId),
    Neg(Box<Node>),
    Not(Box<Node>),
    Bin(BinOp, Box<Node>, Box<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl Node {
    pub(crate) fn ty(&self) -> Type {
        match self {
            Node::Num(_) | Node::Get(_) | Node::Neg(_) => Type::Number,
            Node::Bool(_) | Node::Has(_) | Node::Not(_) => Type::Boolean,
            Node::Str(_) => Type::String,
            Node::Bin(op, _, _) => match op {
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => Type::Number,
                _ => Type::Boolean,
            },
        }
    }
}

/// Binding powers (left, right); higher binds tighter.
fn infix(tok: &Tok) -> Option<(BinOp, u8)> {
    Some(match tok {
        Tok::OrOr => (BinOp::Or, 1),
        Tok::AndAnd => (BinOp::And, 2),
        Tok::EqEq => (BinOp::Eq, 3),
        Tok::NotEq => (BinOp::Ne, 3),
        Tok::Lt => (BinOp::Lt, 4),
        Tok::Le => (BinOp::Le, 4),
        Tok::Gt => (BinOp::Gt, 4),
        Tok::Ge => (BinOp::Ge, 4),
        Tok::Plus => (BinOp::Add, 5),
        Tok::Minus => (BinOp::Sub, 5),
        Tok::Star => (BinOp::Mul, 6),
        Tok::Slash => (BinOp::Div, 6),
        Tok::Percent => (BinOp::Rem, 6),
        _ => return None,
    })
}

const PREFIX_BP: u8 = 7;

pub(crate) struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    skills: &'a mut SkillInterner,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, toks: Vec<Token>, skills: &'a mut SkillInterner) -> Self {
        Self {
            src,
            toks,
            pos: 0,
            skills,
        }
    }

    fn peek(&self) -> &Token {
        // The lexer always ends the list with Eof and `bump` never moves past it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn at(&self, offset: usize) -> Position {
        Position::at(self.src, offset)
    }

    fn unexpected(&self, t: &Token, expected: &'static str) -> ExprError {
        ExprError::Syntax {
            at: self.at(t.start),
            expected,
            found: match &t.tok {
                Tok::Eof => Found::End,
                other => Found::Token(other.describe()),
            },
        }
    }

    /// The whole input: one expression, an optional `;`, then the end.
    pub(crate) fn parse_all(&mut self) -> Result<(Node, usize), ExprError> {
        let start = self.peek().start;
        let node = self.expr(0, 0)?;
        if self.peek().tok == Tok::Semi {
            self.bump();
        }
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            let expected = if matches!(t.tok, Tok::Semi) {
                "end of expression"
            } else {
                "an operator or end of expression"
            };
            return Err(self.unexpected(&t, expected));
        }
        Ok((node, start))
    }

    fn expr(&mut self, min_bp: u8, depth: usize) -> Result<Node, ExprError> {
        let first = self.peek().clone();
        if depth >= MAX_DEPTH {
            return Err(ExprError::TooDeep {
                at: self.at(first.start),
                max: MAX_DEPTH,
            });
        }
        let mut lhs = self.prefix(depth)?;
        let mut lhs_start = first.start;
        loop {
            let op_tok = self.peek().clone();
            let Some((op, bp)) = infix(&op_tok.tok) else {
                break;
            };
            if bp <= min_bp {
                break;
            }
            self.bump();
            let rhs_start = self.peek().start;
            let rhs = self.expr(bp, depth + 1)?;
            lhs = self.binary(op, lhs, lhs_start, rhs, rhs_start)?;
            lhs_start = first.start;
        }
        Ok(lhs)
    }

    fn prefix(&mut self, depth: usize) -> Result<Node, ExprError> {
        let t = self.bump();
        match t.tok {
            Tok::Num(v) => Ok(Node::Num(v)),
            Tok::Str(s) => Ok(Node::Str(s)),
            Tok::Minus | Tok::Bang => {
                let operand_start = self.peek().start;
                let inner = self.expr(PREFIX_BP, depth + 1)?;
                let (want, node) = if t.tok == Tok::Minus {
                    (Type::Number, Node::Neg as fn(Box<Node>) -> Node)
                } else {
                    (Type::Boolean, Node::Not as fn(Box<Node>) -> Node)
                };
                self.expect_type(&inner, want, operand_start)?;
                Ok(node(Box::new(inner)))
            }
            Tok::LParen => {
                let inner = self.expr(0, depth + 1)?;
                let close = self.bump();
                if close.tok != Tok::RParen {
                    return Err(self.unexpected(&close, "`)`"));
                }
                Ok(inner)
            }
            Tok::Ident(name) => self.call(&name, t.start),
            _ => Err(self.unexpected(
                &t,
                "an operand (number, string, `get(..)`, `has(..)`, `(`, `-` or `!`)",
            )),
        }
    }

    fn call(&mut self, name: &str, start: usize) -> Result<Node, ExprError> {
        match name {
            "true" => return Ok(Node::Bool(true)),
            "false" => return Ok(Node::Bool(false)),
            "get" | "has" => {}
            _ => {
                return Err(ExprError::UnknownFunction {
                    at: self.at(start),
                    name: name.to_owned(),
                })
            }
        }
        let open = self.bump();
        if open.tok != Tok::LParen {
            return Err(self.unexpected(&open, "`(`"));
        }
        let arg = self.bump();
        let Tok::Str(skill) = arg.tok.clone() else {
            return Err(self.unexpected(&arg, "a skill name as a string literal"));
        };
        let close = self.bump();
        if close.tok != Tok::RParen {
            return Err(self.unexpected(&close, "`)`"));
        }
        let id = self.skills.intern(&skill);
        Ok(if name == "get" {
            Node::Get(id)
        } else {
            Node::Has(id)
        })
    }

    fn expect_type(&self, node: &Node, want: Type, start: usize) -> Result<(), ExprError> {
        if node.ty() == want {
            return Ok(());
        }
        Err(ExprError::Type {
            at: self.at(start),
            expected: want,
            found: node.ty(),
        })
    }

    fn binary(&self, op: BinOp, l: Node, ls: usize, r: Node, rs: usize) -> Result<Node, ExprError> {
        match op {
            BinOp::And | BinOp::Or => {
                self.expect_type(&l, Type::Boolean, ls)?;
                self.expect_type(&r, Type::Boolean, rs)?;
            }
            BinOp::Eq | BinOp::Ne => {
                // Strings only compare with strings; both sides are literals, so fold now.
                if let (Node::Str(a), Node::Str(b)) = (&l, &r) {
                    return Ok(Node::Bool((a == b) == (op == BinOp::Eq)));
                }
                self.expect_type(&l, Type::Number, ls).or_else(|e| {
                    if l.ty() == Type::Boolean {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
                self.expect_type(&r, l.ty(), rs)?;
            }
            _ => {
                self.expect_type(&l, Type::Number, ls)?;
                self.expect_type(&r, Type::Number, rs)?;
            }
        }
        Ok(Node::Bin(op, Box::new(l), Box::new(r)))
    }
}
