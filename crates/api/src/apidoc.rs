//! `docs/api.md`, rendered from the OpenAPI document so the reference never drifts from the
//! handlers. A test compares the committed file with this rendering; regenerate it with
//! `SWITCHBOARD_BLESS=1 cargo test -p switchboard-api api_reference`.

use std::fmt::Write as _;

use serde_json::Value;

/// The API reference in Markdown.
pub fn markdown() -> String {
    let doc: Value = serde_json::from_str(&crate::openapi::json()).unwrap_or(Value::Null);
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# Switchboard API reference\n");
    let _ = writeln!(
        out,
        "<!-- Generated from the OpenAPI document (`/v1/openapi.json`); do not edit. \
         Regenerate: SWITCHBOARD_BLESS=1 cargo test -p switchboard-api api_reference -->\n"
    );
    if let Some(d) = doc["info"]["description"].as_str() {
        let _ = writeln!(out, "{d}\n");
    }
    let _ = writeln!(
        out,
        "Authentication: `Authorization: Bearer <token>`. *admin* endpoints take the admin \
         token; *callcenter* endpoints take a call center's API token (or the admin token with \
         the long path form).\n"
    );
    let tags = doc["tags"].as_array().cloned().unwrap_or_default();
    for tag in tags {
        let name = tag["name"].as_str().unwrap_or("");
        let _ = writeln!(out, "## {name}\n");
        if let Some(d) = tag["description"].as_str() {
            let _ = writeln!(out, "{d}\n");
        }
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for method in ["get", "post", "put", "delete"] {
                let op = &item[method];
                let in_tag = op["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|x| x == name));
                if in_tag {
                    operation(&mut out, &doc, method, path, op);
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "## Schemas\n\n`Envelope_X` is the envelope with `data` of type `X`; `PageOf_X` is the \
         list shape `{{pageSize, startIndex, totalCount, totalPageCount, currentPageNo, \
         result: [X]}}`.\n"
    );
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if name.starts_with("Envelope_") || name.starts_with("PageOf_") {
            continue;
        }
        let _ = writeln!(out, "### {name}\n");
        if let Some(d) = schema["description"].as_str() {
            let _ = writeln!(out, "{}\n", cell(d));
        }
        if let Some(values) = schema["enum"].as_array() {
            let list: Vec<String> = values
                .iter()
                .map(|v| format!("`{}`", v.as_str().unwrap_or("")))
                .collect();
            let _ = writeln!(out, "One of {}.\n", list.join(", "));
        } else {
            fields(&mut out, &doc, schema);
        }
    }
    out
}

fn operation(out: &mut String, doc: &Value, method: &str, path: &str, op: &Value) {
    let _ = writeln!(out, "### `{} {path}`\n", method.to_uppercase());
    if let Some(s) = op["summary"].as_str() {
        let _ = writeln!(out, "{s}\n");
    }
    if let Some(d) = op["description"].as_str() {
        let _ = writeln!(out, "{d}\n");
    }
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        let _ = writeln!(
            out,
            "| parameter | in | required | description |\n|---|---|---|---|"
        );
        for p in params {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                p["name"].as_str().unwrap_or(""),
                p["in"].as_str().unwrap_or(""),
                if p["required"].as_bool().unwrap_or(false) {
                    "yes"
                } else {
                    "no"
                },
                cell(p["description"].as_str().unwrap_or(""))
            );
        }
        out.push('\n');
    }
    let body = &op["requestBody"]["content"];
    if let Some((ctype, media)) = body.as_object().and_then(|m| m.iter().next()) {
        let _ = writeln!(
            out,
            "Body (`{ctype}`; JSON, form or query parameters alike):\n"
        );
        fields(out, doc, &media["schema"]);
    }
    let _ = writeln!(out, "| status | meaning |\n|---|---|");
    for (status, res) in op["responses"].as_object().into_iter().flatten() {
        let schema = res["content"]
            .as_object()
            .and_then(|m| m.values().next())
            .map(|m| type_name(&m["schema"]))
            .map(|t| format!(" — `{t}`"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {status} | {}{schema} |",
            cell(res["description"].as_str().unwrap_or(""))
        );
    }
    out.push('\n');
}

/// A table of an object schema's fields.
fn fields(out: &mut String, doc: &Value, schema: &Value) {
    let resolved = resolve(doc, schema);
    let Some(props) = resolved["properties"].as_object() else {
        let _ = writeln!(out, "`{}`\n", type_name(schema));
        return;
    };
    let required: Vec<&str> = resolved["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "| field | type | required | description |\n|---|---|---|---|"
    );
    for (name, p) in props {
        let _ = writeln!(
            out,
            "| `{name}` | `{}` | {} | {} |",
            type_name(p),
            if required.contains(&name.as_str()) {
                "yes"
            } else {
                "no"
            },
            cell(p["description"].as_str().unwrap_or(""))
        );
    }
    out.push('\n');
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

fn type_name(s: &Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    if let Some(one) = s["oneOf"].as_array().or_else(|| s["anyOf"].as_array()) {
        let names: Vec<String> = one
            .iter()
            .filter(|v| v["type"] != "null")
            .map(type_name)
            .collect();
        return format!("{}?", names.join(" | "));
    }
    match &s["type"] {
        Value::String(t) if t == "array" => format!("[{}]", type_name(&s["items"])),
        Value::String(t) => t.clone(),
        Value::Array(ts) => {
            ts.iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .map(|t| {
                    if t == "array" {
                        format!("[{}]", type_name(&s["items"]))
                    } else {
                        t.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(" | ")
                + "?"
        }
        _ => "object".to_owned(),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
