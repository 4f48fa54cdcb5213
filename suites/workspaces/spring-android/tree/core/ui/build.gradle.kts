plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "com.acme.notes.core.ui"
    compileSdk = 34
    defaultConfig { minSdk = 26 }
}
