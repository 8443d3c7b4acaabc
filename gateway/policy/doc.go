// Package policy decides which destinations beyond the lab network a learner's program may
// reach through the gateway. The relay routes lab hosts and the learner's own listeners
// itself; everything else comes here.
//
// The operator allows outside destinations with --allow patterns (ParseRule, Flag); New
// turns them into a Policy, and Decide gives the verdict on one destination. With no
// patterns nothing outside the lab is reachable.
//
// # What stays blocked
//
// Loopback, private networks, shared, link-local, multicast, reserved and documentation
// space, the cloud metadata address, the IPv6 forms that lead to IPv4 (NAT64, Teredo,
// IPv4-compatible) and the gateway machine's own addresses are special ranges. A name
// pattern or "*" never reaches them; only a CIDR pattern that lies wholly inside a range
// opens that range, so "127.0.0.1/32:9000" opens one local port while "0.0.0.0/0:80" opens no
// special address at all. docs/security.md lists the ranges for operators.
//
// # Names and spellings
//
// Decide resolves a name once, checks every address of the answer, and returns the checked
// addresses: the caller dials those and never the name, so a name cannot change its answer
// between check and dial (DNS rebinding). Literal IPv4 addresses are read as the C library
// reads them ("0x7f.1" is 127.0.0.1, see ParseHost) and checked as the address they are;
// IPv4-mapped IPv6 addresses are checked as their IPv4 address; zones are refused.
//
// # Caveats
//
// The policy cannot see what happens beyond the address it returns: an allowed public host
// may itself forward traffic inward. For the local-use NAT64 prefix 64:ff9b:1::/48 the
// embedded IPv4 address is taken from the last 32 bits, the usual /96 layout.
package policy
