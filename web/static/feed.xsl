<?xml version="1.0" encoding="UTF-8"?>
<!--
  feedd's feed stylesheet (XSLT 1.0). Atom and RSS feeds name it in an
  xml-stylesheet processing instruction, so that a browser that opens a feed
  shows a readable page: what a feed is, how to subscribe, and the entries.
  Feed readers ignore it and get the same XML. Entry content is HTML that
  feedd sanitized; it is written with disable-output-escaping, which some
  browsers (Firefox) do not support: they show it as text.
-->
<xsl:stylesheet version="1.0"
	xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	exclude-result-prefixes="atom content dc">

<xsl:output method="html" encoding="UTF-8" indent="no"
	doctype-system="about:legacy-compat"/>

<xsl:variable name="title">
	<xsl:choose>
		<xsl:when test="/atom:feed"><xsl:value-of select="/atom:feed/atom:title"/></xsl:when>
		<xsl:otherwise><xsl:value-of select="/rss/channel/title"/></xsl:otherwise>
	</xsl:choose>
</xsl:variable>
<xsl:variable name="self">
	<xsl:choose>
		<xsl:when test="/atom:feed"><xsl:value-of select="/atom:feed/atom:link[@rel='self']/@href"/></xsl:when>
		<xsl:otherwise><xsl:value-of select="/rss/channel/atom:link[@rel='self']/@href"/></xsl:otherwise>
	</xsl:choose>
</xsl:variable>
<xsl:variable name="home">
	<xsl:choose>
		<xsl:when test="/atom:feed"><xsl:value-of select="/atom:feed/atom:link[@rel='alternate']/@href"/></xsl:when>
		<xsl:otherwise><xsl:value-of select="/rss/channel/link"/></xsl:otherwise>
	</xsl:choose>
</xsl:variable>
<xsl:variable name="format">
	<xsl:choose>
		<xsl:when test="/atom:feed">Atom</xsl:when>
		<xsl:otherwise>RSS</xsl:otherwise>
	</xsl:choose>
</xsl:variable>

<xsl:template match="/">
<html lang="en">
<head>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:value-of select="$title"/> (<xsl:value-of select="$format"/> feed)</title>
<style>
:root { color-scheme: light dark; --text: #1b1b1b; --muted: #555; --bg: #fdfdfc; --link: #0b57a4; --line: #d6d6d2; --soft: #f1f1ee; --focus: #c2410c; }
@media (prefers-color-scheme: dark) { :root { --text: #e8e8e6; --muted: #b4b4b0; --bg: #16181a; --link: #8cc2ff; --line: #3a3d40; --soft: #212427; --focus: #ffb86b; } }
body { margin: 0 auto; max-width: 40em; padding: 0 1rem 2rem; font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--text); background: var(--bg); overflow-wrap: break-word; }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
img { max-width: 100%; height: auto; }
pre { overflow-x: auto; }
h1 { font-size: 1.8rem; line-height: 1.25; margin: 1.5rem 0 .5rem; }
h2 { font-size: 1.35rem; line-height: 1.25; margin: 1.5rem 0 .25rem; }
h3 { font-size: 1.2rem; line-height: 1.25; margin: 0 0 .25rem; }
.about h2 { margin-top: .25rem; }
.about { padding: .75rem 1rem; background: var(--soft); border-left: 4px solid var(--link); border-radius: .25rem; }
.about p { margin: .5rem 0; }
.url { display: block; width: 100%; padding: .5rem; font: .95rem ui-monospace, Menlo, Consolas, monospace; color: inherit; background: var(--bg); border: 1px solid var(--muted); border-radius: .25rem; }
.entries { list-style: none; margin: 0; padding: 0; }
.entries > li { padding: 1.25rem 0; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); font-size: .95rem; margin: 0 0 .5rem; }
blockquote { margin: 1rem 0; padding-left: 1rem; border-left: 3px solid var(--line); color: var(--muted); }
</style>
</head>
<body>
<main id="main">
<h1><xsl:value-of select="$title"/></h1>
<section class="about" aria-labelledby="about-heading">
<h2 id="about-heading">This is a web feed</h2>
<p>This page is a <strong>feed</strong> (<xsl:value-of select="$format"/>): a machine-readable list of the newest entries, for feed readers. <strong>Subscribe</strong> by copying its address into your feed reader, which then shows you new entries as they appear, without you having to visit the site.</p>
<p><label for="feed-url">Feed address to copy:</label>
<input id="feed-url" class="url" type="text" readonly="readonly" value="{$self}"/></p>
<p>New to feeds? Any feed reader app or service will do; search for “RSS reader”. <a href="{$home}">Visit the site itself</a>.</p>
</section>
<h2>Latest entries</h2>
<xsl:choose>
	<xsl:when test="/atom:feed"><xsl:apply-templates select="/atom:feed"/></xsl:when>
	<xsl:otherwise><xsl:apply-templates select="/rss/channel"/></xsl:otherwise>
</xsl:choose>
</main>
</body>
</html>
</xsl:template>

<xsl:template match="atom:feed">
	<xsl:if test="not(atom:entry)"><p>No entries yet.</p></xsl:if>
	<ol class="entries">
		<xsl:for-each select="atom:entry">
			<li>
				<article>
					<h3><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
					<p class="meta">
						<time datetime="{atom:published}"><xsl:value-of select="concat(substring(atom:published, 1, 10), ' ', substring(atom:published, 12, 5), ' UTC')"/></time>
						<xsl:if test="atom:author/atom:name"> · by <xsl:value-of select="atom:author/atom:name"/></xsl:if>
					</p>
					<div class="content"><xsl:value-of select="atom:content" disable-output-escaping="yes"/></div>
				</article>
			</li>
		</xsl:for-each>
	</ol>
</xsl:template>

<xsl:template match="channel">
	<xsl:if test="not(item)"><p>No entries yet.</p></xsl:if>
	<ol class="entries">
		<xsl:for-each select="item">
			<li>
				<article>
					<h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
					<p class="meta">
						<!-- "Wed, 04 Mar 2026 21:05:00 +0000" (always UTC) as "04 Mar 2026, 21:05 UTC" -->
						<xsl:if test="pubDate"><time><xsl:value-of select="concat(substring(pubDate, 6, 11), ', ', substring(pubDate, 18, 5), ' UTC')"/></time></xsl:if>
						<xsl:if test="dc:creator"> · by <xsl:value-of select="dc:creator"/></xsl:if>
					</p>
					<div class="content">
						<xsl:choose>
							<xsl:when test="content:encoded"><xsl:value-of select="content:encoded" disable-output-escaping="yes"/></xsl:when>
							<xsl:otherwise><xsl:value-of select="description" disable-output-escaping="yes"/></xsl:otherwise>
						</xsl:choose>
					</div>
				</article>
			</li>
		</xsl:for-each>
	</ol>
</xsl:template>

</xsl:stylesheet>
