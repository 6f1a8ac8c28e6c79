/* pipeline.h - lesson 14: download, convert, pack.
 *
 * The seeds' stock-quote program in C: one thread per download puts each
 * CSV document it fetched on a queue, one converter thread turns them into
 * XML, and every `batch` converted documents it wakes a packer thread and
 * waits until the packer has packed them (seed 002's two Events). */
#ifndef PIPELINE_H
#define PIPELINE_H

#include <stddef.h>

/* Converts a CSV document to XML and returns it in a string from malloc
 * (the caller frees it), or NULL when out of memory.
 *
 *   Date,Close Price          <data><row><Date>2015-01-05</Date>
 *   2015-01-05,"1,024"   ->       <ClosePrice>1,024</ClosePrice></row></data>
 *
 * (one line in fact: no spaces or newlines between elements).
 * - The first line is the header: one element name per field, with every
 *   space removed ("Close Price" -> ClosePrice).
 * - Each following non-empty line is one <row>, with one element per field
 *   in header order: <Name>value</Name>. A line with fewer fields than the
 *   header gets fewer elements; fields beyond the header are ignored. An
 *   empty field is <Name></Name>.
 * - Fields are separated by commas. A field may be quoted: "a,b" is the
 *   value a,b, and inside quotes "" stands for one quote.
 * - Lines end in \n or \r\n (the last one may have no end).
 * - In values, & < > are written &amp; &lt; &gt;.
 * - No header (an empty document) gives <data></data>. */
char *csv_to_xml(const char *csv);

/* Downloads, converts and packs the documents of sids[0..n-1].
 * - One thread per download: each calls fetch(sid) once, all of them at
 *   the same time. fetch returns the CSV document in a string from malloc,
 *   or NULL when the download failed (that document is skipped).
 * - One converter thread converts each fetched document with csv_to_xml,
 *   then frees the string fetch returned.
 * - One packer thread, a thread of its own (neither the caller's nor a
 *   download's): every `batch` converted documents go to
 *   pack(docs, count, ctx) there, while the converter waits until pack has
 *   returned (the converter never runs during a pack). Only the last batch
 *   may be smaller; pack is never called with no documents. The order of
 *   the documents within and across batches is free. The documents belong
 *   to the pipeline: it frees them after pack returns.
 * Every fetched document is packed exactly once. Returns when every thread
 * it started has been joined: 0, EINVAL when batch is 0 (then nothing is
 * fetched), EIO when a fetch returned NULL (after packing all the others),
 * or the error of a failed thread creation. */
int run_pipeline(const unsigned sids[], size_t n, size_t batch,
                 char *(*fetch)(unsigned sid),
                 void (*pack)(char *const docs[], size_t count, void *ctx), void *ctx);

#endif
