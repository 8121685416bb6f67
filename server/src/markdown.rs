//! Notes are Markdown, rendered on the server to HTML that is safe to insert into the page:
//! pulldown-cmark renders, ammonia removes scripts, event handlers and `javascript:` links.

use app::domain::EventRecord;
use pulldown_cmark::{html, Options, Parser};

pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

/// Renders what the browser shows but the store does not keep (the HTML of notes and updates).
pub fn render_event(event: &mut EventRecord) {
    if let Some(markdown) = event.payload.markdown() {
        event.html = Some(render(markdown));
    }
}

/// [`render_event`] for a ticket's message.
pub fn render_ticket_event(event: &mut app::domain::TicketEventRecord) {
    if let Some(markdown) = event.payload.markdown() {
        event.html = Some(render(markdown));
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_markdown() {
        let html = render("**bold** and `code`\n\n- a\n- b");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<li>a</li>"), "{html}");
    }

    #[test]
    fn strips_scripts_handlers_and_javascript_links() {
        let html = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) <a href=\"javascript:alert(4)\">x</a>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
