/// What a cell on screen *means*; themes decide how each role looks.
public enum StyleRole: String, CaseIterable, Sendable {
    case normal
    case statusBar = "status-bar"
    case statusOn = "status-on"
    case statusOff = "status-off"
    case statusBusy = "status-busy"
    case border
    case title
    case focusedTitle = "focused-title"
    case time
    case error
    case success
    case sent
    case received
    case info
    case hexOffset = "hex-offset"
    case hexBytes = "hex-bytes"
    case hexASCII = "hex-ascii"
    case selected
    case keyBarKey = "keybar-key"
    case keyBarLabel = "keybar-label"
    case input
    case prompt
    case help
    case dropped
    /// Presenter mode's big banner: a reply, a refusal, silence.
    case bannerSuccess = "banner-success"
    case bannerFailure = "banner-failure"
    case bannerSilent = "banner-silent"
}
