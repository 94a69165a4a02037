import Testing

/// Every test that makes or joins netlab's private network, one at a time: the network is one
/// per user (`netlab shell` joins the user's newest), so two suites' networks at once made a
/// test's shell join the other's (the two-host rate test failed now and then in the full suite).
@Suite(.serialized) enum PrivateNetworkSuites {}
