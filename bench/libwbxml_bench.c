/*
 * libwbxml_bench: the same work as `cargo bench -p omacp-wbxml --bench codec`, done by
 * libwbxml in-process, for a side-by-side comparison (bench/run-codec-bench.sh).
 *
 *   libwbxml_bench N FILE.xml...
 *
 * For each file, prints one tab-separated line:
 *   name  compile_ns  decode_ns  wbxml_len(string table)  wbxml_len(no string table)
 * compile = XML text -> WBXML 1.3 with libwbxml's string table (wbxml_conv_xml2wbxml_run);
 * decode  = that WBXML -> XML text with the PROV 1.0 language (wbxml_conv_wbxml2xml_run).
 * Each is repeated N times (after N/10 warm-up runs); the converter is created and
 * destroyed inside the loop, as the one-call wbxml_conv_* helpers do. Results are
 * released with free(): libwbxml allocates them with malloc (its wbxml_free is not
 * in the installed headers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wbxml/wbxml.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(buf); return NULL; }
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

static int compile(unsigned char *xml, size_t len, int table, unsigned char **out, WB_ULONG *out_len) {
    WBXMLConvXML2WBXML *conv = NULL;
    if (wbxml_conv_xml2wbxml_create(&conv) != WBXML_OK) return -1;
    wbxml_conv_xml2wbxml_set_version(conv, WBXML_VERSION_13);
    if (!table) wbxml_conv_xml2wbxml_disable_string_table(conv);
    WBXMLError e = wbxml_conv_xml2wbxml_run(conv, xml, (WB_ULONG)len, out, out_len);
    wbxml_conv_xml2wbxml_destroy(conv);
    return e == WBXML_OK ? 0 : -1;
}

static int decode(unsigned char *wbxml, WB_ULONG len, unsigned char **out, WB_ULONG *out_len) {
    WBXMLConvWBXML2XML *conv = NULL;
    if (wbxml_conv_wbxml2xml_create(&conv) != WBXML_OK) return -1;
    wbxml_conv_wbxml2xml_set_language(conv, WBXML_LANG_PROV10);
    wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_INDENT);
    wbxml_conv_wbxml2xml_set_indent(conv, 2);
    WBXMLError e = wbxml_conv_wbxml2xml_run(conv, wbxml, len, out, out_len);
    wbxml_conv_wbxml2xml_destroy(conv);
    return e == WBXML_OK ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s N FILE.xml...\n", argv[0]);
        return 2;
    }
    long n = atol(argv[1]);
    if (n < 1) n = 1;
    for (int i = 2; i < argc; i++) {
        size_t len;
        unsigned char *xml = read_file(argv[i], &len);
        if (!xml) { fprintf(stderr, "%s: cannot read\n", argv[i]); return 2; }
        unsigned char *wb = NULL, *wb0 = NULL, *out = NULL;
        WB_ULONG wb_len = 0, wb0_len = 0, out_len = 0;
        if (compile(xml, len, 1, &wb, &wb_len) || compile(xml, len, 0, &wb0, &wb0_len)) {
            fprintf(stderr, "%s: xml2wbxml failed\n", argv[i]);
            return 2;
        }
        for (long k = 0; k < n / 10 + 1; k++) {
            compile(xml, len, 1, &out, &out_len); free(out);
            decode(wb, wb_len, &out, &out_len); free(out);
        }
        double t0 = now_ns();
        for (long k = 0; k < n; k++) {
            if (compile(xml, len, 1, &out, &out_len)) return 2;
            free(out);
        }
        double t1 = now_ns();
        for (long k = 0; k < n; k++) {
            if (decode(wb, wb_len, &out, &out_len)) { fprintf(stderr, "%s: wbxml2xml failed\n", argv[i]); return 2; }
            free(out);
        }
        double t2 = now_ns();
        const char *name = strrchr(argv[i], '/');
        printf("%s\t%.0f\t%.0f\t%lu\t%lu\n", name ? name + 1 : argv[i], (t1 - t0) / n, (t2 - t1) / n,
               (unsigned long)wb_len, (unsigned long)wb0_len);
        free(wb);
        free(wb0);
        free(xml);
    }
    return 0;
}
