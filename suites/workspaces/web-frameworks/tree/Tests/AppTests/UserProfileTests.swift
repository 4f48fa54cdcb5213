import XCTest
@testable import App

final class UserProfileTests: XCTestCase {
    func testPlaceholderHasNoAvatar() {
        XCTAssertNil(UserProfile.placeholder.avatarURL)
    }
}
