fn main() {
    let args: Vec<String> = std::env::args().collect();
    let a = std::fs::read_to_string(&args[1]).unwrap();
    let b = std::fs::read_to_string(&args[2]).unwrap();
    let ty = perimeter_access::AccessCheckPolicyType::from_aws(&args[3]).unwrap();
    let a = perimeter_iam::parse_and_lower(&a).unwrap();
    let b = perimeter_iam::parse_and_lower(&b).unwrap();
    let r = perimeter_access::check_no_new_access(&a, &b, ty);
    println!("{}", serde_json::to_string_pretty(&r).unwrap());
}
