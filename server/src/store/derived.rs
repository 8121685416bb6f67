//! What `commit` keeps beside each incident row, in the same transaction, so that reads never
//! fold incidents: the per-status counts, and the link tables derived from the incident — its
//! services and the people it involves (the list's "service" and "mine" filters, with copies of
//! the list's sort keys) and who holds which role now (the roster, the role-catalog check). The
//! row's own derived columns (`severity_rank`, `title_key`, `sla_due`) are written by the row's
//! INSERT or UPDATE; the backfill of rows older than them uses `incident_reads!(keys: …)`.

use app::domain::Incident;

/// One incident leaves its status (before its row is updated): the count it was in drops.
pub(crate) const COUNT_LEAVE: &str = "UPDATE incident_status_counts SET count = count - 1 \
     WHERE status = (SELECT status FROM incidents WHERE id = $1)";

/// One incident enters its (new) status.
pub(crate) const COUNT_ENTER: &str = "INSERT INTO incident_status_counts (status, count) \
     VALUES ($1, 1) ON CONFLICT (status) DO UPDATE SET count = incident_status_counts.count + 1";

/// The services an incident is linked to, each once.
pub(crate) fn services_of(incident: &Incident) -> Vec<i64> {
    let mut ids: Vec<i64> = incident.services.iter().map(|s| s.id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The people an incident involves (`Incident::involves`), each once.
pub(crate) fn people_of(incident: &Incident) -> Vec<i64> {
    let mut ids: Vec<i64> = incident.participants.clone();
    ids.push(incident.declared_by);
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The roles an incident's board says are held now, as `(role, user id)`, each once.
pub(crate) fn holdings_of(incident: &Incident) -> Vec<(&str, i64)> {
    let mut held: Vec<(&str, i64)> = incident
        .roles
        .stints
        .iter()
        .filter(|s| s.relieved.is_none())
        .map(|s| (s.role.as_str(), s.person.id))
        .collect();
    held.sort_unstable();
    held.dedup();
    held
}

/// `INSERT INTO table (columns) VALUES (…), (…)`: `rows` rows of as many parameters as
/// `columns` names, numbered in order.
pub(crate) fn insert_rows_sql(table: &str, columns: &str, rows: usize) -> String {
    let width = columns.split(',').count();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {table} ({columns}) VALUES {}",
        values.join(", ")
    )
}

/// Replaces one incident's rows of a link table: `DELETE` them, then one multi-row `INSERT` of
/// `$rows`, each bound by `|$query, $row| <expr>` in the order of `$columns`.
macro_rules! replace_links {
    ($tx:expr, $table:literal, $columns:literal, $incident_id:expr, $rows:expr,
     |$query:ident, $row:ident| $bind:expr) => {{
        sqlx::query(concat!("DELETE FROM ", $table, " WHERE incident_id = $1"))
            .bind($incident_id)
            .execute(&mut *$tx)
            .await?;
        let rows = $rows;
        if !rows.is_empty() {
            let sql = $crate::store::derived::insert_rows_sql($table, $columns, rows.len());
            let mut $query = sqlx::query(&sql);
            for $row in rows {
                $query = $bind;
            }
            $query.execute(&mut *$tx).await?;
        }
    }};
}

pub(crate) use replace_links;

/// Keeps the read models derived from one incident in step with it, inside `$tx`:
/// - `leave: $tx, $id` before an existing incident's row is rewritten: its old status loses it;
/// - `enter: $tx, $incident` after its row is written (with its id): its status gains it, and
///   its links are rewritten;
/// - `links: $tx, $incident`: its services, people and role holdings, rewritten whole;
/// - `keys: $tx, $incident`: the row's list keys and its links, for rows written before the
///   keys existed (the migrate-time backfill).
macro_rules! incident_reads {
    (leave: $tx:expr, $id:expr) => {
        sqlx::query($crate::store::derived::COUNT_LEAVE)
            .bind($id)
            .execute(&mut *$tx)
            .await?;
    };
    (enter: $tx:expr, $incident:expr) => {
        sqlx::query($crate::store::derived::COUNT_ENTER)
            .bind($incident.status.key())
            .execute(&mut *$tx)
            .await?;
        $crate::store::derived::incident_reads!(links: $tx, $incident);
    };
    (keys: $tx:expr, $incident:expr) => {{
        let incident: &app::domain::Incident = $incident;
        sqlx::query("UPDATE incidents SET severity_rank = $1, title_key = $2 WHERE id = $3")
            .bind($crate::store::list::severity_rank(incident.severity))
            .bind($crate::store::list::title_key(incident))
            .bind(incident.id)
            .execute(&mut *$tx)
            .await?;
        $crate::store::derived::incident_reads!(links: $tx, incident);
    }};
    (links: $tx:expr, $incident:expr) => {{
        let incident: &app::domain::Incident = $incident;
        let rank = $crate::store::list::severity_rank(incident.severity);
        let status = incident.status.key();
        $crate::store::derived::replace_links!(
            $tx,
            "incident_services",
            "service_id, incident_id, status, severity_rank, updated_at, detected_at",
            incident.id,
            $crate::store::derived::services_of(incident),
            |insert, id| insert
                .bind(id)
                .bind(incident.id)
                .bind(status)
                .bind(rank)
                .bind(incident.updated_at)
                .bind(incident.detected_at)
        );
        $crate::store::derived::replace_links!(
            $tx,
            "incident_people",
            "user_id, incident_id, status, severity_rank, updated_at, detected_at",
            incident.id,
            $crate::store::derived::people_of(incident),
            |insert, id| insert
                .bind(id)
                .bind(incident.id)
                .bind(status)
                .bind(rank)
                .bind(incident.updated_at)
                .bind(incident.detected_at)
        );
        $crate::store::derived::replace_links!(
            $tx,
            "incident_roles",
            "incident_id, role, user_id",
            incident.id,
            $crate::store::derived::holdings_of(incident),
            |insert, held| insert.bind(incident.id).bind(held.0).bind(held.1)
        );
    }};
}

pub(crate) use incident_reads;

#[cfg(test)]
mod tests {
    use super::insert_rows_sql;

    #[test]
    fn rows_are_numbered_in_order() {
        assert_eq!(
            insert_rows_sql("t", "a, b", 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_rows_sql("t", "a, b, c", 1),
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"
        );
    }
}
