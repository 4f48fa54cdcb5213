import PhotosUI
import SwiftUI

struct AvatarPicker: View {
    var onPicked: (Data) -> Void
    @State private var item: PhotosPickerItem?

    var body: some View {
        PhotosPicker(selection: $item, matching: .images) {
            Label("Change photo", systemImage: "camera")
        }
        .onChange(of: item) { _, newItem in
            Task {
                if let data = try? await newItem?.loadTransferable(type: Data.self) {
                    onPicked(data)
                }
            }
        }
    }
}
