//! The scenario editor's form (issue 13): the fields a trainer edits most — id, title and
//! briefing in English and Japanese, duration, topology (nodes, shards, replicas), traffic,
//! faults and messages — read from a scenario file and written back into it with
//! `toml_edit`, which keeps everything else (comments, layout, the runbook, proofs) as it
//! was. The file stays the one thing `drill lint` checks and the editor exports; the form
//! is a view of it.

use quorum_proto::trainer::{FormFault, FormMessage, ScenarioForm};
use toml_edit::{value, Array, ArrayOfTables, Document, InlineTable, Item, Table};

fn text(item: Option<&Item>) -> String {
    item.and_then(Item::as_str).unwrap_or_default().to_string()
}

fn number(item: Option<&Item>) -> u32 {
    item.and_then(Item::as_integer)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

fn get<'a>(item: Option<&'a Item>, key: &str) -> Option<&'a Item> {
    item.and_then(|i| i.get(key))
}

/// The form of a file (a field the file lacks reads as empty); `Err`: not TOML.
pub fn read(toml: &str) -> Result<ScenarioForm, String> {
    let doc: Document = toml
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let root = doc.as_item();
    let topology = root.get("topology");
    let tables = |key: &str| {
        root.get(key)
            .and_then(Item::as_array_of_tables)
            .map(|a| a.iter().collect::<Vec<&Table>>())
            .unwrap_or_default()
    };
    Ok(ScenarioForm {
        id: text(root.get("id")),
        title_en: text(get(root.get("title"), "en")),
        title_ja: text(get(root.get("title"), "ja")),
        briefing_en: text(get(root.get("briefing"), "en")),
        briefing_ja: text(get(root.get("briefing"), "ja")),
        duration: text(root.get("duration")),
        nodes: get(topology, "nodes")
            .and_then(Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        shards: number(get(topology, "shards")),
        replicas: number(get(topology, "replicas")),
        requests_per_s: number(get(root.get("traffic"), "requests_per_s")),
        faults: tables("faults")
            .into_iter()
            .map(|t| FormFault {
                at: text(t.get("at")),
                kind: text(t.get("kind")),
                target: text(t.get("target")),
            })
            .collect(),
        messages: tables("messages")
            .into_iter()
            .map(|t| {
                let body = t.get("text");
                FormMessage {
                    at: text(t.get("at")),
                    from: text(t.get("from")),
                    en: text(get(body, "en")),
                    ja: text(get(body, "ja")),
                }
            })
            .collect(),
    })
}

/// Sets `table[key] = v` keeping the key's decoration (its comment) when it is there.
fn set(table: &mut Item, key: &str, v: Item) {
    if table.get(key).is_none() && !table.is_table_like() {
        *table = toml_edit::table();
    }
    table[key] = v;
}

/// `[name]` with `en`/`ja` (a table or an inline table: written as it was).
fn set_text(root: &mut Item, name: &str, en: &str, ja: &str) {
    if root.get(name).is_none() {
        root[name] = toml_edit::table();
    }
    let t = &mut root[name];
    set(t, "en", value(en));
    set(t, "ja", value(ja));
}

/// Rows of `[[name]]`: the first `n` kept and edited in place by `edit` (their other keys
/// and comments stay), more appended, fewer removed from the end.
fn set_rows(root: &mut Item, name: &str, n: usize, mut edit: impl FnMut(usize, &mut Table)) {
    if n == 0 {
        if let Some(t) = root.as_table_mut() {
            t.remove(name);
        }
        return;
    }
    if root.get(name).and_then(Item::as_array_of_tables).is_none() {
        root[name] = Item::ArrayOfTables(ArrayOfTables::new());
    }
    let Some(rows) = root[name].as_array_of_tables_mut() else {
        return;
    };
    while rows.len() > n {
        rows.remove(rows.len() - 1);
    }
    while rows.len() < n {
        rows.push(Table::new());
    }
    for (i, row) in rows.iter_mut().enumerate() {
        edit(i, row);
    }
}

/// `toml` with `form`'s fields written into it; `Err`: not TOML.
pub fn write(toml: &str, form: &ScenarioForm) -> Result<String, String> {
    let mut doc: Document = toml
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let root = doc.as_item_mut();
    set(root, "id", value(form.id.as_str()));
    set_text(root, "title", &form.title_en, &form.title_ja);
    set_text(root, "briefing", &form.briefing_en, &form.briefing_ja);
    set(root, "duration", value(form.duration.as_str()));
    if root.get("topology").is_none() {
        root["topology"] = toml_edit::table();
    }
    let topology = &mut root["topology"];
    let mut nodes = Array::new();
    for n in &form.nodes {
        nodes.push(n.as_str());
    }
    set(topology, "nodes", value(nodes));
    set(topology, "shards", value(i64::from(form.shards)));
    set(topology, "replicas", value(i64::from(form.replicas)));
    if root.get("traffic").is_none() {
        root["traffic"] = toml_edit::table();
    }
    set(
        &mut root["traffic"],
        "requests_per_s",
        value(i64::from(form.requests_per_s)),
    );
    set_rows(root, "faults", form.faults.len(), |i, t| {
        let f = &form.faults[i];
        t["at"] = value(f.at.as_str());
        t["kind"] = value(f.kind.as_str());
        t["target"] = value(f.target.as_str());
    });
    set_rows(root, "messages", form.messages.len(), |i, t| {
        let m = &form.messages[i];
        t["at"] = value(m.at.as_str());
        t["from"] = value(m.from.as_str());
        let mut body = InlineTable::new();
        body.insert("en", m.en.as_str().into());
        body.insert("ja", m.ja.as_str().into());
        t["text"] = value(body);
    });
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node_hang() -> &'static str {
        quorum_sim::scenario::BUILTIN_SOURCES
            .iter()
            .find(|(id, _)| *id == "node-hang")
            .unwrap()
            .1
    }

    #[test]
    fn the_form_reads_a_built_in_file_and_writing_it_back_unchanged_changes_nothing() {
        let form = read(node_hang()).unwrap();
        assert_eq!(form.id, "node-hang");
        assert_eq!(form.title_ja, "沈黙するノード");
        assert_eq!(form.nodes, ["node-1", "node-2", "node-3"]);
        assert_eq!(
            (form.shards, form.replicas, form.requests_per_s),
            (3, 1, 200)
        );
        assert_eq!(
            form.faults,
            [FormFault {
                at: "05:00".into(),
                kind: "os-hang".into(),
                target: "node-3".into()
            }]
        );
        assert_eq!(form.messages.len(), 1);
        assert_eq!(form.messages[0].from, "Team lead");
        let again = write(node_hang(), &form).unwrap();
        let a = quorum_sim::scenario::parse(node_hang()).unwrap();
        let b = quorum_sim::scenario::parse(&again).unwrap();
        assert_eq!(
            (a.faults.clone(), a.messages.clone(), a.title.clone()),
            (b.faults.clone(), b.messages.clone(), b.title.clone())
        );
        assert!(again.contains("# ---- Proofs"), "comments are kept");
    }

    #[test]
    fn an_edit_in_the_form_is_an_edit_of_the_file_the_parser_reads() {
        let mut form = read(node_hang()).unwrap();
        form.id = "acme-hang".into();
        form.title_en = "Our silent node".into();
        form.faults[0].at = "06:00".into();
        form.faults.push(FormFault {
            at: "10:00".into(),
            kind: "host-failure".into(),
            target: "node-1".into(),
        });
        form.messages[0].en = "Restart everything?".into();
        form.messages.push(FormMessage {
            at: "08:00".into(),
            from: "Team lead".into(),
            en: "Status?".into(),
            ja: "状況は？".into(),
        });
        let edited = write(node_hang(), &form).unwrap();
        let s = quorum_sim::scenario::parse(&edited).expect("parses");
        assert_eq!(s.id, "acme-hang");
        assert_eq!(s.title.en, "Our silent node");
        assert_eq!(s.faults.len(), 2);
        assert_eq!(s.faults[0].at_ms, 360_000);
        assert_eq!(s.faults[1].target, "node-1");
        assert_eq!(s.messages[0].text.en, "Restart everything?");
        assert_eq!(s.messages[1].text.ja, "状況は？");
        assert_eq!(
            read(&edited).unwrap(),
            form,
            "the form reads back what it wrote"
        );

        form.messages.clear();
        let none = write(&edited, &form).unwrap();
        assert!(quorum_sim::scenario::parse(&none)
            .unwrap()
            .messages
            .is_empty());
        assert!(read("[[oops").is_err());
    }
}
