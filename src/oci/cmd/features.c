/* `features`: what this runtime supports, in the runtime spec's features
 * format. */
#include <stdio.h>

#include "base/err.h"
#include "oci/cmd/cmd.h"

static const char features[] =
    "{\n"
    "  \"ociVersionMin\": \"1.0.0\",\n"
    "  \"ociVersionMax\": \"1.2.0\",\n"
    "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\",\n"
    "            \"startContainer\", \"poststart\", \"poststop\"],\n"
    "  \"mountOptions\": [\"async\", \"atime\", \"bind\", \"defaults\", \"dev\",\n"
    "    \"diratime\", \"exec\", \"mand\", \"noatime\", \"nodev\", \"nodiratime\",\n"
    "    \"noexec\", \"nomand\", \"norelatime\", \"nostrictatime\", \"nosuid\",\n"
    "    \"private\", \"rbind\", \"relatime\", \"remount\", \"ro\", \"rprivate\",\n"
    "    \"rshared\", \"rslave\", \"runbindable\", \"rw\", \"shared\", \"slave\",\n"
    "    \"strictatime\", \"suid\", \"sync\", \"unbindable\"],\n"
    "  \"linux\": {\n"
    "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"time\",\n"
    "                   \"user\", \"uts\"],\n"
    "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false,\n"
    "               \"systemdUser\": false},\n"
    "    \"seccomp\": {\"enabled\": true,\n"
    "      \"actions\": [\"SCMP_ACT_ALLOW\", \"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\",\n"
    "        \"SCMP_ACT_KILL_PROCESS\", \"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\",\n"
    "        \"SCMP_ACT_NOTIFY\", \"SCMP_ACT_TRACE\", \"SCMP_ACT_TRAP\"],\n"
    "      \"operators\": [\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\",\n"
    "        \"SCMP_CMP_LE\", \"SCMP_CMP_LT\", \"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"]},\n"
    "    \"apparmor\": {\"enabled\": false},\n"
    "    \"selinux\": {\"enabled\": false}\n"
    "  }\n"
    "}\n";

int cmd_features(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    (void)c;
    (void)argv;
    if (argc > 1)
        return err_set(e, 0, "features: takes no arguments");
    fputs(features, stdout);
    return 0;
}
