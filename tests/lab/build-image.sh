#!/usr/bin/env bash
# Build the lab image localhost/sre-remediation-lab:debian12 offline from Debian packages:
# debootstrap -> configure -> podman import. Cached: does nothing when the image exists
# (pass --force to rebuild). Needs root, debootstrap and podman.
set -euo pipefail
IMAGE=${LAB_IMAGE:-localhost/sre-remediation-lab:debian12}
MIRROR=${LAB_MIRROR:-http://deb.debian.org/debian}
HERE=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}

if [[ "${1:-}" != "--force" ]] && podman image exists "$IMAGE"; then
  echo "lab image $IMAGE is cached"
  exit 0
fi

PACKAGES=(
  systemd systemd-sysv dbus openssh-server sudo python3 python3-apt
  ruby ruby-sigdump nginx monit curl iproute2 procps iptables less
  ca-certificates util-linux cron
)
work=$(mktemp -d /var/tmp/sre-lab-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
echo "debootstrap bookworm into $root (this takes a few minutes) ..."
debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  bookworm "$root" "$MIRROR" > "$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log"; exit 1; }

cat > "$root/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
SRC
# The login user Ansible uses: unprivileged, with passwordless sudo so `become` is exercised.
chroot "$root" useradd --create-home --shell /bin/bash ops
echo 'ops ALL=(ALL) NOPASSWD:ALL' > "$root/etc/sudoers.d/ops"
chmod 0440 "$root/etc/sudoers.d/ops"
# SSH: keys only; the lab mounts the generated public key at /etc/ssh/authorized_keys/ops.
mkdir -p "$root/etc/ssh/authorized_keys"
cat > "$root/etc/ssh/sshd_config.d/lab.conf" <<'SSHD'
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AuthorizedKeysFile /etc/ssh/authorized_keys/%u .ssh/authorized_keys
UseDNS no
SSHD
# Host keys are generated per container at first boot, not baked into the image.
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat > "$root/etc/systemd/system/ssh.service.d/lab-hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
# A container has no consoles or hardware to manage.
for unit in getty@tty1.service console-getty.service systemd-udevd.service \
            systemd-udev-trigger.service systemd-remount-fs.service apt-daily.timer \
            apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
: > "$root/etc/machine-id"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
       "$root"/usr/share/doc/* "$root"/usr/share/man/*
echo "importing into podman as $IMAGE ..."
tar -C "$root" --numeric-owner -c . | podman import \
  --change 'CMD ["/sbin/init"]' --change 'ENV container=podman' --change 'STOPSIGNAL SIGRTMIN+3' \
  - "$IMAGE" > /dev/null
echo "built $IMAGE"
