fn main() {
    let args: Vec<String> = std::env::args().collect();
    let a = perimeter_iam::parse_and_lower(&std::fs::read_to_string(&args[1]).unwrap()).unwrap();
    let b = perimeter_iam::parse_and_lower(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    print!("(set-logic ALL)\n{}", perimeter_access::smt::no_new_access_query(&a, &b, args.get(3).is_some()).unwrap());
}
