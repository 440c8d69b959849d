/* test_sensor.c — unit tests of the sensor's record formatting (sensor.c).
 *
 * sensor_format_json must write postern's schema fields in a fixed order,
 * escape strings, print unknown values as null and IPv4-mapped IPv6
 * addresses as IPv4; nothing here needs root or BPF.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "sensor.h"

/* A connect record of nc to 127.0.0.1:110 with everything known. */
static sensor_conn_t sample(void) {
    sensor_conn_t c;
    memset(&c, 0, sizeof c);
    c.time_ms = 1717200006302;
    c.state = "close";
    c.direction = "outbound";
    c.pid = 4242;
    c.ppid = 1;
    c.uid = 0;
    c.have_uid = true;
    strcpy(c.comm, "nc");
    strcpy(c.exe, "nc.openbsd");
    c.family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", c.saddr);
    inet_pton(AF_INET, "127.0.0.1", c.daddr);
    c.sport = 50686;
    c.dport = 110;
    c.have_bytes = true;
    c.bytes_out = 22;
    c.bytes_in = 16;
    c.netns = 4026531833u;
    c.category = "endpoint/linux/sensor/network";
    c.host = "vm";
    c.process_name = "/usr/bin/nc.openbsd";
    c.name_source = "proc_exe";
    c.user = "root";
    return c;
}

static void test_full_record(void) {
    sensor_conn_t c = sample();
    buf_t b = {0};
    sensor_format_json(&c, &b);
    CHECK_STR(b.p, "{\"_messageTime\":1717200006302,\"_sourceCategory\":\"endpoint/linux/sensor/network\","
                   "\"host\":\"vm\",\"process_name\":\"/usr/bin/nc.openbsd\",\"process_name_source\":\"proc_exe\","
                   "\"comm\":\"nc\",\"pid\":4242,\"ppid\":1,\"uid\":0,\"user\":\"root\",\"src_ip\":\"127.0.0.1\","
                   "\"src_port\":50686,\"dest_ip\":\"127.0.0.1\",\"dest_port\":110,\"protocol\":\"tcp\","
                   "\"direction\":\"outbound\",\"bytes_out\":22,\"bytes_in\":16,\"state\":\"close\","
                   "\"netns\":4026531833}");
    buf_free(&b);
}

static void test_unknowns_and_escapes(void) {
    sensor_conn_t c = sample();
    c.state = "connect_failed";
    c.have_bytes = false;
    c.ppid = 0;
    c.netns = 0;
    c.user = NULL;
    c.process_name = "/tmp/a \"b\"\\c\n";
    c.name_source = NULL;
    buf_t b = {0};
    sensor_format_json(&c, &b);
    CHECK(strstr(b.p, "\"process_name\":\"/tmp/a \\\"b\\\"\\\\c\\u000a\",\"comm\"") != NULL);
    CHECK(strstr(b.p, "\"ppid\":null") != NULL);
    CHECK(strstr(b.p, "\"user\":null") != NULL);
    CHECK(strstr(b.p, "\"bytes_out\":null,\"bytes_in\":null,\"state\":\"connect_failed\"") != NULL);
    CHECK(strstr(b.p, "\"netns\":null}") != NULL);
    CHECK(strstr(b.p, "process_name_source") == NULL);
    buf_free(&b);
}

static void test_addresses(void) {
    uint8_t a[16];
    char s[64];
    inet_pton(AF_INET6, "::ffff:10.1.2.3", a);
    sensor_addr_str(AF_INET6, a, s, sizeof s);
    CHECK_STR(s, "10.1.2.3");
    inet_pton(AF_INET6, "2001:db8::1", a);
    sensor_addr_str(AF_INET6, a, s, sizeof s);
    CHECK_STR(s, "2001:db8::1");
    inet_pton(AF_INET6, "::1", a);
    sensor_addr_str(AF_INET6, a, s, sizeof s);
    CHECK_STR(s, "::1");
    memset(a, 0, sizeof a);
    inet_pton(AF_INET, "192.0.2.7", a);
    sensor_addr_str(AF_INET, a, s, sizeof s);
    CHECK_STR(s, "192.0.2.7");
}

int main(void) {
    test_full_record();
    test_unknowns_and_escapes();
    test_addresses();
    return CHECK_DONE("test_sensor");
}
