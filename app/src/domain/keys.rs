//! Reading a value of a closed vocabulary (severities, statuses, roles) from its key.

/// Finds the value of a closed vocabulary (severities, statuses, roles) by its key,
/// case-insensitively, or says which keys there are.
pub(crate) fn parse_key<T: Copy>(
    input: &str,
    noun: &str,
    all: &[T],
    key: fn(T) -> &'static str,
) -> Result<T, String> {
    let wanted = input.trim().to_ascii_lowercase();
    all.iter()
        .copied()
        .find(|v| key(*v) == wanted)
        .ok_or_else(|| {
            let keys: Vec<&str> = all.iter().map(|v| key(*v)).collect();
            format!(
                "Unknown {noun} \"{input}\": use one of {}.",
                keys.join(", ")
            )
        })
}
