//! Amazon Resource Names.

/// An ARN split into its six components. `resource` keeps any further colons.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses `arn:partition:service:region:account:resource`; `None` if the text is not of that form.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let [arn, partition, service, region, account, resource] = crate::pattern::split_arn(text)?;
        (arn == "arn").then_some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

/// Whether `text` is a 12-digit AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse() {
        let a = Arn::parse("arn:aws:iam::123456789012:role/a:b").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account, a.resource),
            ("aws", "iam", "", "123456789012", "role/a:b")
        );
        assert_eq!(Arn::parse("arn:aws:s3"), None);
        assert_eq!(Arn::parse("xrn:aws:s3:::b"), None);
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901a"));
    }
}
