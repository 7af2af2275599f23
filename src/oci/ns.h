/* Namespaces from config.json (linux.namespaces, uid/gid mappings, time
 * offsets): which to make, which to join by path, and the id maps the
 * runtime writes for a new user namespace. */
#ifndef CELLA_OCI_NS_H
#define CELLA_OCI_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

struct err;

enum ns_kind { NS_USER, NS_MNT, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_CGROUP,
               NS_TIME, NS_KINDS };

struct ns_idmap {
    uint32_t container_id, host_id, size;
};

struct oci_ns {
    bool present[NS_KINDS];      /* listed in linux.namespaces */
    const char *path[NS_KINDS];  /* join this one (NULL: make a new one) */
    struct ns_idmap *uid_map, *gid_map;
    size_t n_uid_map, n_gid_map;
    bool has_time_offsets;
    int64_t mono_secs, boot_secs;
    uint32_t mono_nanos, boot_nanos;
};

/* Parse linux.namespaces, linux.uidMappings, linux.gidMappings and
 * linux.timeOffsets of the "linux" object (NULL: none). */
int ns_parse(json_object *linux_obj, struct oci_ns *ns, struct err *e);
void ns_free(struct oci_ns *ns);

/* The CLONE_NEW* flag of a kind, and its name in /proc/PID/ns. */
int ns_clone_flag(enum ns_kind k);
const char *ns_proc_name(enum ns_kind k);

/* CLONE_NEW* flags of the namespaces to make (not the joined ones). */
int ns_new_flags(const struct oci_ns *ns);

/* Join every namespace that has a path, the user namespace first. */
int ns_join_paths(const struct oci_ns *ns, struct err *e);

/* From the runtime: write /proc/PID/{uid_map,setgroups,gid_map}. */
int ns_write_maps(const struct oci_ns *ns, pid_t pid, struct err *e);

/* In the new time namespace, before its first process: the offsets. */
int ns_write_time_offsets(const struct oci_ns *ns, struct err *e);

/* Join the namespaces of a running process (exec): every kind whose
 * /proc/PID/ns entry differs from ours, the user namespace first. */
int ns_join_pid(pid_t pid, struct err *e);

#endif
