//! Collections, paging and delta.
//!
//! * [`Page<T>`]: one page of a collection (`value`, `@odata.nextLink`, `@odata.count`,
//!   `@odata.deltaLink`).
//! * [`Pages`]: follows `@odata.nextLink` exactly as given (never re-encoded), only to the
//!   client's own origin (anything else is an error: following it would send the token to
//!   another host), through empty pages that still carry a nextLink, resending the first
//!   request's headers (`ConsistencyLevel`, `Prefer`, ...) because Graph does not carry them
//!   over. `next_page().await`, or as a `futures_core::Stream`. A server cannot make it
//!   endless: [`Pages::max_empty_pages`] (default 16 in a row), a nextLink to a page already
//!   fetched, and the optional [`Pages::max_pages`] stop it with an error.
//! * [`ItemStream`]: the items of every page, one by one.
//! * Delta: [`DeltaPage<T>`] items are [`DeltaItem::Changed`] or [`DeltaItem::Removed`]
//!   (`@removed` with its reason); [`Request::delta_round`] follows nextLinks to the
//!   `@odata.deltaLink` and returns it for the next poll ([`Client::delta_from_link`]).
//!   `410 Gone` / `resyncRequired` is [`ErrorKind::ResyncRequired`].

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, Headers, HttpResponse, Method};
use crate::request::{CallOptions, Request, RequestParts, ResponseBody};
use msgraph_codec::json::{DecodeError, Reader, Token, Writer};
use msgraph_codec::model::Codec;

/// The collection annotations of a page. `Debug` prints the links without their query values,
/// like `HttpRequest` does.
#[derive(Clone, Default, PartialEq, Eq)]
struct Links {
    next_link: Option<String>,
    delta_link: Option<String>,
    count: Option<i64>,
    context: Option<String>,
}

impl fmt::Debug for Links {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::http::RedactedStr;
        f.debug_struct("Links")
            .field("next_link", &self.next_link.as_deref().map(RedactedStr))
            .field("delta_link", &self.delta_link.as_deref().map(RedactedStr))
            .field("count", &self.count)
            .field("context", &self.context)
            .finish()
    }
}

impl Links {
    /// Handles an annotation key; false when the key is not one.
    fn read(&mut self, key: &str, r: &mut Reader<'_>) -> std::result::Result<bool, DecodeError> {
        let slot = match key {
            "@odata.nextLink" => &mut self.next_link,
            "@odata.deltaLink" => &mut self.delta_link,
            "@odata.context" => &mut self.context,
            "@odata.count" => {
                let start = r.offset();
                self.count = match r.peek()? {
                    Token::Number => Some(
                        r.read_number_text()?
                            .parse::<i64>()
                            .map_err(|_| DecodeError::new(start, "invalid @odata.count").in_key(key))?,
                    ),
                    Token::String => Some(
                        r.read_str()?
                            .trim()
                            .parse::<i64>()
                            .map_err(|_| DecodeError::new(start, "invalid @odata.count").in_key(key))?,
                    ),
                    _ => {
                        r.skip_value()?;
                        None
                    }
                };
                return Ok(true);
            }
            _ => return Ok(false),
        };
        *slot = if r.read_null()? { None } else { Some(r.read_str().map_err(|e| e.in_key(key))?.into_owned()) };
        Ok(true)
    }

    fn write(&self, w: &mut Writer) {
        for (k, v) in [
            ("@odata.context", &self.context),
            ("@odata.nextLink", &self.next_link),
            ("@odata.deltaLink", &self.delta_link),
        ] {
            if let Some(v) = v {
                w.key(k);
                w.string(v);
            }
        }
        if let Some(c) = self.count {
            w.key("@odata.count");
            w.i64(c);
        }
    }
}

/// A page type [`Pages`] can follow.
pub trait PageLike: ResponseBody {
    /// `@odata.nextLink`.
    fn next_link(&self) -> Option<&str>;
    /// `@odata.deltaLink`.
    fn delta_link(&self) -> Option<&str>;
    /// `@odata.count`.
    fn count(&self) -> Option<i64>;
    /// How many items the page holds, to bound runs of empty pages; `None` (the default) when
    /// the type does not know.
    fn item_count(&self) -> Option<usize> {
        None
    }
}

/// One page of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub value: Vec<T>,
    links: Links,
}

impl<T> Default for Page<T> {
    fn default() -> Page<T> {
        Page { value: Vec::new(), links: Links::default() }
    }
}

impl<T> Page<T> {
    /// `@odata.nextLink`.
    pub fn next_link(&self) -> Option<&str> {
        self.links.next_link.as_deref()
    }

    /// `@odata.deltaLink` (last page of a delta round).
    pub fn delta_link(&self) -> Option<&str> {
        self.links.delta_link.as_deref()
    }

    /// `@odata.count` (first page, with `$count=true`).
    pub fn count(&self) -> Option<i64> {
        self.links.count
    }

    /// `@odata.context`.
    pub fn context(&self) -> Option<&str> {
        self.links.context.as_deref()
    }

    /// The items.
    pub fn into_items(self) -> Vec<T> {
        self.value
    }
}

fn decode_page<T>(
    r: &mut Reader<'_>,
    mut item: impl FnMut(&mut Reader<'_>) -> std::result::Result<T, DecodeError>,
) -> std::result::Result<(Vec<T>, Links), DecodeError> {
    let mut links = Links::default();
    let mut value = None;
    r.begin_object()?;
    while let Some(key) = r.next_key()? {
        if key == "value" {
            if r.read_null()? {
                value = Some(Vec::new());
                continue;
            }
            r.begin_array().map_err(|e| e.in_key("value"))?;
            let mut items = Vec::new();
            while r.next_element().map_err(|e| e.in_key("value"))? {
                let i = items.len();
                items.push(item(r).map_err(|e| e.in_index(i).in_key("value"))?);
            }
            value = Some(items);
        } else if !links.read(&key, r)? {
            r.skip_value().map_err(|e| e.in_key(&key))?;
        }
    }
    let value = value.ok_or_else(|| DecodeError::new(r.offset(), "not a collection page: no `value` array"))?;
    Ok((value, links))
}

impl<T: Codec> Codec for Page<T> {
    fn decode(r: &mut Reader<'_>) -> std::result::Result<Self, DecodeError> {
        let (value, links) = decode_page(r, T::decode)?;
        Ok(Page { value, links })
    }

    fn encode(&self, w: &mut Writer) {
        w.begin_object();
        self.links.write(w);
        w.key("value");
        w.begin_array();
        for v in &self.value {
            v.encode(w);
        }
        w.end_array();
        w.end_object();
    }
}

impl<T: Codec + Send + 'static> PageLike for Page<T> {
    fn next_link(&self) -> Option<&str> {
        Page::next_link(self)
    }
    fn delta_link(&self) -> Option<&str> {
        Page::delta_link(self)
    }
    fn count(&self) -> Option<i64> {
        Page::count(self)
    }
    fn item_count(&self) -> Option<usize> {
        Some(self.value.len())
    }
}

/// Why a delta item was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemovedReason {
    /// `changed`: moved out of scope (may come back), e.g. removed from a group.
    Changed,
    /// `deleted`: deleted (may be restorable for a while).
    Deleted,
    /// Another reason, kept verbatim.
    Other(String),
}

/// An item reported as removed in a delta round.
#[derive(Debug, Clone, PartialEq)]
pub struct Removed<T> {
    /// The item's `id`.
    pub id: Option<String>,
    /// `@removed.reason`.
    pub reason: RemovedReason,
    /// The item as sent (usually just its id).
    pub item: T,
}

/// An item of a delta page.
#[derive(Debug, Clone, PartialEq)]
pub enum DeltaItem<T> {
    /// Created or changed (the same item may appear more than once in a round).
    Changed(T),
    /// Removed (`@removed`).
    Removed(Removed<T>),
}

impl<T> DeltaItem<T> {
    /// The item either way.
    pub fn item(&self) -> &T {
        match self {
            DeltaItem::Changed(t) => t,
            DeltaItem::Removed(r) => &r.item,
        }
    }

    /// Whether the item was removed.
    pub fn is_removed(&self) -> bool {
        matches!(self, DeltaItem::Removed(_))
    }
}

/// One page of a delta round.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaPage<T> {
    /// The items.
    pub value: Vec<DeltaItem<T>>,
    links: Links,
}

impl<T> DeltaPage<T> {
    /// `@odata.nextLink` (more pages in this round).
    pub fn next_link(&self) -> Option<&str> {
        self.links.next_link.as_deref()
    }

    /// `@odata.deltaLink` (the round is complete; poll it later).
    pub fn delta_link(&self) -> Option<&str> {
        self.links.delta_link.as_deref()
    }
}

/// `@removed` and `id` of an object, without consuming the reader.
fn removed_info(raw: &str) -> std::result::Result<Option<(Option<String>, RemovedReason)>, DecodeError> {
    let mut r = Reader::new(raw.as_bytes());
    if r.peek()? != Token::Object {
        return Ok(None);
    }
    let mut id = None;
    let mut reason: Option<RemovedReason> = None;
    r.begin_object()?;
    while let Some(key) = r.next_key()? {
        if key == "id" && r.peek()? == Token::String {
            id = Some(r.read_str()?.into_owned());
        } else if key == "@removed" && r.peek()? == Token::Object {
            let mut why = RemovedReason::Other(String::new());
            r.begin_object()?;
            while let Some(k) = r.next_key()? {
                if k == "reason" && r.peek()? == Token::String {
                    let s = r.read_str()?;
                    why = if s.eq_ignore_ascii_case("deleted") {
                        RemovedReason::Deleted
                    } else if s.eq_ignore_ascii_case("changed") {
                        RemovedReason::Changed
                    } else {
                        RemovedReason::Other(s.into_owned())
                    };
                } else {
                    r.skip_value()?;
                }
            }
            reason = Some(why);
        } else {
            r.skip_value()?;
        }
    }
    Ok(reason.map(|why| (id, why)))
}

impl<T: Codec> Codec for DeltaPage<T> {
    fn decode(r: &mut Reader<'_>) -> std::result::Result<Self, DecodeError> {
        let (value, links) = decode_page(r, |r| {
            let raw = r.read_raw()?;
            let item = r.decode_part::<T>(raw)?;
            Ok(match removed_info(raw)? {
                Some((id, reason)) => DeltaItem::Removed(Removed { id, reason, item }),
                None => DeltaItem::Changed(item),
            })
        })?;
        Ok(DeltaPage { value, links })
    }

    fn encode(&self, w: &mut Writer) {
        w.begin_object();
        self.links.write(w);
        w.key("value");
        w.begin_array();
        for v in &self.value {
            v.item().encode(w);
        }
        w.end_array();
        w.end_object();
    }
}

impl<T: Codec + Send + 'static> PageLike for DeltaPage<T> {
    fn next_link(&self) -> Option<&str> {
        DeltaPage::next_link(self)
    }
    fn delta_link(&self) -> Option<&str> {
        DeltaPage::delta_link(self)
    }
    fn count(&self) -> Option<i64> {
        self.links.count
    }
    fn item_count(&self) -> Option<usize> {
        Some(self.value.len())
    }
}

/// Default of [`Pages::max_empty_pages`].
pub const DEFAULT_MAX_EMPTY_PAGES: usize = 16;

/// How many of the last links fetched are remembered to detect a nextLink that comes back.
const REMEMBERED_LINKS: usize = 1024;

/// The last [`REMEMBERED_LINKS`] URLs fetched, as 64-bit hashes: bounded memory whatever the
/// server sends. A cycle longer than that is stopped by the empty-page bound (if its pages
/// are empty) or by [`Pages::max_pages`].
#[derive(Default)]
struct SeenLinks {
    hasher: std::collections::hash_map::RandomState,
    recent: VecDeque<u64>,
}

impl SeenLinks {
    fn hash(&self, link: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, link)
    }

    fn insert(&mut self, link: &str) {
        if self.recent.len() == REMEMBERED_LINKS {
            self.recent.pop_front();
        }
        let h = self.hash(link);
        self.recent.push_back(h);
    }

    fn contains(&self, link: &str) -> bool {
        let h = self.hash(link);
        self.recent.contains(&h)
    }
}

/// The non-generic part of [`Pages`]: which request comes next and its future.
struct Cursor {
    client: Client,
    next: Option<RequestParts>,
    /// Headers of the first request, resent on every page.
    headers: Headers,
    /// Timeout, size limit and retry settings of the first request, for every page.
    options: CallOptions,
    in_flight: Option<BoxFuture<'static, Result<HttpResponse>>>,
    requested: SeenLinks,
    pending_error: Option<Error>,
    done: bool,
    pages: usize,
    /// Empty pages in a row (that still carried a nextLink).
    empty_run: usize,
    max_empty_pages: usize,
    max_pages: Option<usize>,
    count: Option<i64>,
    delta_link: Option<String>,
}

impl Cursor {
    fn new(client: Client, first: RequestParts) -> Cursor {
        let headers = first.effective_headers();
        let options = first.call_options().clone();
        let mut pending_error = None;
        let url = first.url(client.api_root());
        if !client.is_own_origin(&url) {
            pending_error = Some(Error::validation(
                "refusing to page from a URL outside the client's origin (the token would leak)",
            ));
        }
        Cursor {
            client,
            next: Some(first),
            headers,
            options,
            in_flight: None,
            requested: SeenLinks::default(),
            pending_error,
            done: false,
            pages: 0,
            empty_run: 0,
            max_empty_pages: DEFAULT_MAX_EMPTY_PAGES,
            max_pages: None,
            count: None,
            delta_link: None,
        }
    }

    fn poll_response(&mut self, cx: &mut TaskContext<'_>) -> Poll<Option<Result<HttpResponse>>> {
        loop {
            if let Some(fut) = self.in_flight.as_mut() {
                let out = std::task::ready!(fut.as_mut().poll(cx));
                self.in_flight = None;
                if out.is_err() {
                    self.done = true;
                }
                return Poll::Ready(Some(out));
            }
            if let Some(e) = self.pending_error.take() {
                self.done = true;
                self.next = None;
                return Poll::Ready(Some(Err(e)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            match self.next.take() {
                Some(parts) => {
                    self.requested.insert(&parts.url(self.client.api_root()));
                    self.in_flight = Some(self.client.execute(parts));
                }
                None => {
                    self.done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }

    /// Records a decoded page's links and prepares the next request.
    fn advance(&mut self, next_link: Option<&str>, delta_link: Option<&str>, count: Option<i64>, items: Option<usize>) {
        self.pages += 1;
        self.empty_run = if items == Some(0) { self.empty_run + 1 } else { 0 };
        if self.pages == 1 || self.count.is_none() {
            self.count = count.or(self.count);
        }
        if let Some(d) = delta_link {
            self.delta_link = Some(d.to_string());
        }
        let Some(link) = next_link else {
            self.done = true;
            return;
        };
        if self.empty_run > 0 && self.empty_run >= self.max_empty_pages {
            self.pending_error = Some(Error::validation(format!(
                "paging stopped: {} empty pages in a row, each with a new @odata.nextLink (a server that \
                 never ends?); raise the bound with max_empty_pages if this collection needs more",
                self.empty_run
            )));
            return;
        }
        if self.max_pages.is_some_and(|max| self.pages >= max) {
            self.pending_error = Some(Error::validation(format!(
                "paging stopped after {} pages, the limit set with max_pages; the last page still had an \
                 @odata.nextLink",
                self.pages
            )));
            return;
        }
        if self.requested.contains(link) {
            self.pending_error = Some(Error::validation("@odata.nextLink points to a page already fetched (a loop)"));
            return;
        }
        match next_page_request(&self.client, &self.headers, link) {
            Ok(mut parts) => {
                parts.set_call_options(self.options.clone());
                self.next = Some(parts);
            }
            Err(e) => self.pending_error = Some(e),
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        self.done = true;
        self.next = None;
        e
    }
}

/// The request for the page an `@odata.nextLink` points to, or why it must not be followed:
/// only a valid request URL (nothing is sent otherwise), only to the client's own origin (the
/// token would leak elsewhere), verbatim (never re-encoded), with the first request's headers.
/// (Links already fetched are refused by the caller.)
pub(crate) fn next_page_request(client: &Client, headers: &Headers, link: &str) -> Result<RequestParts> {
    let url = url::Url::parse(link).map_err(|e| {
        Error::validation(format!("refusing to follow an @odata.nextLink that is not a valid URL ({e})"))
    })?;
    if !client.owns(&url) {
        return Err(Error::validation(format!(
            "refusing to follow an @odata.nextLink to another origin ({}): the token would leak",
            url.origin().ascii_serialization()
        )));
    }
    let mut parts = RequestParts::from_url(Method::Get, link);
    // A URL on the client's origin that is still not a request URL (credentials in it, say).
    if let Some(e) = parts.error() {
        return Err(e.clone());
    }
    for (k, v) in headers.iter() {
        parts.set_header(k, v);
    }
    Ok(parts)
}

/// Pages of a collection (or of a delta round), following `@odata.nextLink`.
pub struct Pages<P> {
    cursor: Cursor,
    _page: PhantomData<fn() -> P>,
}

impl<P> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("pages", &self.cursor.pages)
            .field("done", &self.cursor.done)
            .field("count", &self.cursor.count)
            .finish()
    }
}

impl<P: PageLike> Pages<P> {
    /// Pages starting with `first`.
    pub fn new(client: &Client, first: RequestParts) -> Pages<P> {
        Pages { cursor: Cursor::new(client.clone(), first), _page: PhantomData }
    }

    /// How many empty pages in a row may still carry an `@odata.nextLink` (default
    /// [`DEFAULT_MAX_EMPTY_PAGES`], 16): Graph sends some while it gathers results, but a
    /// server that always answers an empty page and a fresh link would be followed forever.
    /// After that many, the next item is an [`ErrorKind::Validation`] error and the stream
    /// ends; every page fetched before was handed out.
    pub fn max_empty_pages(mut self, n: usize) -> Self {
        self.cursor.max_empty_pages = n;
        self
    }

    /// At most `n` pages in all (default: no limit; the first page is always fetched); a page
    /// past it is an [`ErrorKind::Validation`] error instead of a request. Besides this and
    /// [`Pages::max_empty_pages`], a nextLink to one of the last 1024 pages fetched is refused
    /// as a loop.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.cursor.max_pages = Some(n);
        self
    }

    /// Polls for the next page.
    pub fn poll_next_page(&mut self, cx: &mut TaskContext<'_>) -> Poll<Option<Result<P>>> {
        let response = match std::task::ready!(self.cursor.poll_response(cx)) {
            None => return Poll::Ready(None),
            Some(Err(e)) => return Poll::Ready(Some(Err(e))),
            Some(Ok(r)) => r,
        };
        match P::from_response(response) {
            Ok(page) => {
                self.cursor.advance(page.next_link(), page.delta_link(), page.count(), page.item_count());
                Poll::Ready(Some(Ok(page)))
            }
            Err(e) => Poll::Ready(Some(Err(self.cursor.fail(e)))),
        }
    }

    /// The next page; `None` after the last (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<P>> {
        std::future::poll_fn(|cx| self.poll_next_page(cx)).await
    }

    /// `@odata.count` from the first page that had one.
    pub fn count(&self) -> Option<i64> {
        self.cursor.count
    }

    /// `@odata.deltaLink`, once a page carried it.
    pub fn delta_link(&self) -> Option<&str> {
        self.cursor.delta_link.as_deref()
    }

    /// Pages fetched so far.
    pub fn pages_fetched(&self) -> usize {
        self.cursor.pages
    }
}

impl<P: PageLike> futures_core::Stream for Pages<P> {
    type Item = Result<P>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_page(cx)
    }
}

/// The items of every page, one by one.
pub struct ItemStream<T> {
    pages: Pages<Page<T>>,
    buffer: VecDeque<T>,
}

// Nothing is structurally pinned: the buffer holds items by value.
impl<T> Unpin for ItemStream<T> {}

impl<T> fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream").field("pages", &self.pages).field("buffered", &self.buffer.len()).finish()
    }
}

impl<T: Codec + Send + 'static> ItemStream<T> {
    /// See [`Pages::max_empty_pages`].
    pub fn max_empty_pages(mut self, n: usize) -> Self {
        self.pages = self.pages.max_empty_pages(n);
        self
    }

    /// See [`Pages::max_pages`].
    pub fn max_pages(mut self, n: usize) -> Self {
        self.pages = self.pages.max_pages(n);
        self
    }

    /// Polls for the next item.
    pub fn poll_next_item(&mut self, cx: &mut TaskContext<'_>) -> Poll<Option<Result<T>>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(self.pages.poll_next_page(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(page)) => self.buffer.extend(page.value),
            }
        }
    }

    /// The next item; `None` at the end.
    pub async fn next_item(&mut self) -> Option<Result<T>> {
        std::future::poll_fn(|cx| self.poll_next_item(cx)).await
    }

    /// Every remaining item (stops at the first error).
    pub async fn collect_all(mut self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some(item) = self.next_item().await {
            out.push(item?);
        }
        Ok(out)
    }

    /// `@odata.count` from the first page.
    pub fn count(&self) -> Option<i64> {
        self.pages.count()
    }
}

impl<T: Codec + Send + 'static> futures_core::Stream for ItemStream<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_item(cx)
    }
}

/// A complete delta round. `Debug` prints the delta link without its query values.
#[derive(Clone, PartialEq)]
pub struct DeltaRound<T> {
    /// Every item of every page, in order (an item may appear more than once).
    pub items: Vec<DeltaItem<T>>,
    /// The link to poll for the next round.
    pub delta_link: String,
}

impl<T: fmt::Debug> fmt::Debug for DeltaRound<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeltaRound")
            .field("items", &self.items)
            .field("delta_link", &crate::http::RedactedStr(&self.delta_link))
            .finish()
    }
}

impl<T: Codec + Send + 'static> Request<Page<T>> {
    /// Every page, following `@odata.nextLink`. Each page request carries the first request's
    /// headers (`Prefer`, `ConsistencyLevel`, your own) and its per-request options (timeout,
    /// retry settings, response size limit).
    pub fn pages(self) -> Pages<Page<T>> {
        let client = self.client().clone();
        Pages::new(&client, self.into_parts())
    }

    /// Every item of every page.
    pub fn items(self) -> ItemStream<T> {
        ItemStream { pages: self.pages(), buffer: VecDeque::new() }
    }
}

impl<T: Codec + Send + 'static> Request<DeltaPage<T>> {
    /// Every page of the delta round.
    pub fn delta_pages(self) -> Pages<DeltaPage<T>> {
        let client = self.client().clone();
        Pages::new(&client, self.into_parts())
    }

    /// Follows nextLinks to the `@odata.deltaLink`; every item on the way.
    pub async fn delta_round(self) -> Result<DeltaRound<T>> {
        let mut pages = self.delta_pages();
        let mut items = Vec::new();
        while let Some(page) = pages.next_page().await {
            items.extend(page?.value);
        }
        match pages.delta_link() {
            Some(link) => Ok(DeltaRound { items, delta_link: link.to_string() }),
            None => Err(Error::new(ErrorKind::Decode, "the delta round ended without an @odata.deltaLink")),
        }
    }
}

impl Client {
    /// The next delta round from a stored `@odata.deltaLink` (must be on the client's origin).
    pub fn delta_from_link<T>(&self, delta_link: &str) -> Request<DeltaPage<T>> {
        Request::from_url(self, Method::Get, delta_link)
    }

    /// Pages from a stored `@odata.nextLink` (must be on the client's origin).
    pub fn pages_from_link<T: Codec + Send + 'static>(&self, next_link: &str) -> Pages<Page<T>> {
        Request::<Page<T>>::from_url(self, Method::Get, next_link).pages()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_decode() {
        let p: Page<String> = msgraph_codec::json::from_str(
            r#"{"@odata.context":"c","@odata.count":"2","value":["a","b"],"@odata.nextLink":"https://g/v1.0/x?$skiptoken=1","extra":{}}"#,
        )
        .unwrap();
        assert_eq!(p.value, ["a", "b"]);
        assert_eq!(p.count(), Some(2));
        assert_eq!(p.next_link(), Some("https://g/v1.0/x?$skiptoken=1"));
        assert_eq!(p.context(), Some("c"));
        let back = msgraph_codec::json::to_string(&p);
        let again: Page<String> = msgraph_codec::json::from_str(&back).unwrap();
        assert_eq!(again, p);
        let e = msgraph_codec::json::from_str::<Page<i32>>(r#"{"value":[1,"x"]}"#).unwrap_err();
        assert_eq!(e.path(), "$.value[1]");
        assert!(msgraph_codec::json::from_str::<Page<i32>>(r#"{"values":[]}"#).is_err());
        let p: Page<i32> = msgraph_codec::json::from_str(r#"{"value":null,"@odata.nextLink":null}"#).unwrap();
        assert!(p.value.is_empty() && p.next_link().is_none());
    }

    #[test]
    fn delta_pages_decode_removed_items() {
        let p: DeltaPage<serde_json::Value> = msgraph_codec::json::from_str(
            r#"{"value":[{"id":"1","displayName":"a"},{"id":"2","@removed":{"reason":"deleted"}},
                {"@removed":{"reason":"changed"},"id":"3"},{"id":"4","@removed":{"reason":"gone"}}],
                "@odata.deltaLink":"https://g/v1.0/users/delta?$deltatoken=x"}"#,
        )
        .unwrap();
        assert!(!p.value[0].is_removed());
        match &p.value[1] {
            DeltaItem::Removed(r) => assert_eq!((r.id.as_deref(), &r.reason), (Some("2"), &RemovedReason::Deleted)),
            other => panic!("{other:?}"),
        }
        match &p.value[2] {
            DeltaItem::Removed(r) => assert_eq!(r.reason, RemovedReason::Changed),
            other => panic!("{other:?}"),
        }
        match &p.value[3] {
            DeltaItem::Removed(r) => assert_eq!(r.reason, RemovedReason::Other("gone".into())),
            other => panic!("{other:?}"),
        }
        assert_eq!(p.delta_link(), Some("https://g/v1.0/users/delta?$deltatoken=x"));
        let e = msgraph_codec::json::from_str::<DeltaPage<i64>>(r#"{"value":[1,{"id":"x"}]}"#).unwrap_err();
        assert_eq!(e.path(), "$.value[1]");
    }
}
