import CNetLabSys
import Glibc
import Testing

/// The C shim spells out Linux ABI structs and flag values by hand (including the real
/// headers there would change what the Glibc module sees): each one is checked against
/// Glibc's own, so a mismatch fails here, not as a corrupted recvmmsg on someone's machine.
@Suite struct ShimLayoutTests {
    @Test func flagValuesAreTheSystemsOwn() {
        #expect(NETLAB_MSG_DONTWAIT == MSG_DONTWAIT)
        #expect(NETLAB_MSG_NOSIGNAL == MSG_NOSIGNAL)
        #expect(NETLAB_IPPROTO_IP == Int32(IPPROTO_IP))
        #expect(NETLAB_IPPROTO_IPV6 == Int32(IPPROTO_IPV6))
        #expect(NETLAB_IP_PKTINFO == IP_PKTINFO)
        #expect(NETLAB_IPV6_RECVPKTINFO == IPV6_RECVPKTINFO)
        #expect(NETLAB_IPV6_PKTINFO == IPV6_PKTINFO)
        #expect(Int(NETLAB_SOCKADDR_STORAGE) == MemoryLayout<sockaddr_storage>.size)
    }

    @Test func structLayoutsAreTheSystemsOwn() {
        #expect(MemoryLayout<netlab_iovec>.size == MemoryLayout<iovec>.size)
        #expect(MemoryLayout<netlab_msghdr>.size == MemoryLayout<msghdr>.size)
        #expect(MemoryLayout<netlab_msghdr>.offset(of: \.name) == MemoryLayout<msghdr>.offset(of: \.msg_name))
        #expect(MemoryLayout<netlab_msghdr>.offset(of: \.pieces) == MemoryLayout<msghdr>.offset(of: \.msg_iov))
        #expect(MemoryLayout<netlab_msghdr>.offset(of: \.control) == MemoryLayout<msghdr>.offset(of: \.msg_control))
        #expect(MemoryLayout<netlab_msghdr>.offset(of: \.control_length) == MemoryLayout<msghdr>.offset(of: \.msg_controllen))
        #expect(MemoryLayout<netlab_msghdr>.offset(of: \.flags) == MemoryLayout<msghdr>.offset(of: \.msg_flags))
        #expect(MemoryLayout<netlab_cmsghdr>.size == MemoryLayout<cmsghdr>.size)
        #expect(MemoryLayout<netlab_cmsghdr>.offset(of: \.level) == MemoryLayout<cmsghdr>.offset(of: \.cmsg_level))
        #expect(MemoryLayout<netlab_cmsghdr>.offset(of: \.type) == MemoryLayout<cmsghdr>.offset(of: \.cmsg_type))
        // in_pktinfo: ifindex, spec_dst, addr (the shim reads addr at 8, writes spec_dst at 4).
        // (in6_pktinfo, addr then ifindex, needs _GNU_SOURCE and is not in the Glibc module;
        // the IPv6 round trip test exercises it.)
        #expect(MemoryLayout<in_pktinfo>.offset(of: \.ipi_spec_dst) == 4)
        #expect(MemoryLayout<in_pktinfo>.offset(of: \.ipi_addr) == 8)
        #expect(MemoryLayout<in_pktinfo>.size == 12)
    }
}
