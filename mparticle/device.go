package mparticle

import "encoding/json"

// Platform is device_info.platform.
type Platform string

// Platforms of spec §A5.
const (
	PlatformIOS       Platform = "iOS"
	PlatformAndroid   Platform = "Android"
	PlatformWeb       Platform = "web"
	PlatformTVOS      Platform = "tvOS"
	PlatformRoku      Platform = "roku"
	PlatformOutOfBand Platform = "out_of_band"
	PlatformAlexa     Platform = "alexa"
	PlatformSmartTV   Platform = "smart_tv"
	PlatformFireTV    Platform = "fire_tv"
	PlatformXbox      Platform = "xbox"
)

// DeviceInfo is the batch "device_info" object (spec §A5).
type DeviceInfo struct {
	// Platform is iOS, Android, web, tvOS, roku, out_of_band, alexa,
	// smart_tv, fire_tv or xbox. It also says whether PushToken is an APNs
	// or FCM token.
	Platform Platform `json:"platform"`
	// Brand is the device brand.
	Brand string `json:"brand"`
	// Product is the device product name.
	Product string `json:"product"`
	// Device is the device name.
	Device string `json:"device"`
	// DeviceManufacturer is the manufacturer.
	DeviceManufacturer string `json:"device_manufacturer"`
	// OSVersion is the OS version.
	OSVersion string `json:"os_version"`
	// DeviceModel is the model.
	DeviceModel string `json:"device_model"`
	// DeviceCountry is the device country.
	DeviceCountry string `json:"device_country"`
	// LocaleLanguage is the locale language.
	LocaleLanguage string `json:"locale_language"`
	// LocaleCountry is the locale country.
	LocaleCountry string `json:"locale_country"`
	// NetworkCountry is the network country.
	NetworkCountry string `json:"network_country"`
	// NetworkCarrier is the carrier.
	NetworkCarrier string `json:"network_carrier"`
	// NetworkCode is the network code.
	NetworkCode string `json:"network_code"`
	// NetworkMobileCountryCode is the mobile country code.
	NetworkMobileCountryCode string `json:"network_mobile_country_code"`
	// BuildIdentifier is the OS build identifier.
	BuildIdentifier string `json:"build_identifier"`
	// HTTPHeaderUserAgent is the user agent.
	HTTPHeaderUserAgent string `json:"http_header_user_agent"`
	// CPUArchitecture is the CPU architecture.
	CPUArchitecture string `json:"cpu_architecture"`
	// RadioAccessTechnology is the radio technology.
	RadioAccessTechnology string `json:"radio_access_technology"`
	// BluetoothVersion is the Bluetooth version.
	BluetoothVersion string `json:"bluetooth_version"`
	// BuildVersionRelease is the Android build version release.
	BuildVersionRelease string `json:"build_version_release"`
	// ScreenHeight is in pixels.
	ScreenHeight Optional[int64] `json:"screen_height"`
	// ScreenWidth is in pixels.
	ScreenWidth Optional[int64] `json:"screen_width"`
	// ScreenDPI is the screen density.
	ScreenDPI Optional[int64] `json:"screen_dpi"`
	// TimezoneOffset is the UTC offset in hours.
	TimezoneOffset Optional[int64] `json:"timezone_offset"`
	// ATTAuthorizationStatus is authorized, denied, not_determined or
	// restricted.
	ATTAuthorizationStatus string `json:"att_authorization_status"`
	// ATTTimestampUnixtimeMS is when the ATT status was set.
	ATTTimestampUnixtimeMS int64 `json:"att_timestamp_unixtime_ms"`
	// IsTablet is a nullable boolean.
	IsTablet Optional[bool] `json:"is_tablet"`
	// PushNotificationSoundEnabled is a nullable boolean.
	PushNotificationSoundEnabled Optional[bool] `json:"push_notification_sound_enabled"`
	// PushNotificationVibrateEnabled is a nullable boolean.
	PushNotificationVibrateEnabled Optional[bool] `json:"push_notification_vibrate_enabled"`
	// SupportsTelephony is documented as a boolean but samples send ""; kept
	// as sent.
	SupportsTelephony AttributeValue `json:"supports_telephony"`
	// HasNFC is a nullable boolean.
	HasNFC Optional[bool] `json:"has_nfc"`
	// BluetoothEnabled is a nullable boolean.
	BluetoothEnabled Optional[bool] `json:"bluetooth_enabled"`
	// LimitAdTracking is a nullable boolean.
	LimitAdTracking Optional[bool] `json:"limit_ad_tracking"`
	// IsDST is a nullable boolean.
	IsDST Optional[bool] `json:"is_dst"`
	// IOSAdvertisingID is the IDFA.
	IOSAdvertisingID string `json:"ios_advertising_id"`
	// IOSIDFV is the IDFV.
	IOSIDFV string `json:"ios_idfv"`
	// AndroidAdvertisingID is the GAID.
	AndroidAdvertisingID string `json:"android_advertising_id"`
	// AndroidUUID is the Android id.
	AndroidUUID string `json:"android_uuid"`
	// RokuAdvertisingID is the Roku advertising id.
	RokuAdvertisingID string `json:"roku_advertising_id"`
	// RokuPublisherID is the Roku publisher id.
	RokuPublisherID string `json:"roku_publisher_id"`
	// MicrosoftAdvertisingID is the Microsoft advertising id.
	MicrosoftAdvertisingID string `json:"microsoft_advertising_id"`
	// MicrosoftPublisherID is the Microsoft publisher id.
	MicrosoftPublisherID string `json:"microsoft_publisher_id"`
	// FireAdvertisingID is the Amazon Fire advertising id.
	FireAdvertisingID string `json:"fire_advertising_id"`
	// AMPID is the AMP id.
	AMPID string `json:"amp_id"`
	// PushToken is the device push token (APNs or FCM per Platform).
	PushToken string `json:"push_token"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// ApplicationInfo is the batch "application_info" object.
type ApplicationInfo struct {
	// ApplicationName is the app name.
	ApplicationName string `json:"application_name"`
	// ApplicationVersion is the app version.
	ApplicationVersion string `json:"application_version"`
	// ApplicationBuildNumber is the build number.
	ApplicationBuildNumber string `json:"application_build_number"`
	// InstallReferrer is the install referrer.
	InstallReferrer string `json:"install_referrer"`
	// Package is the package or bundle id.
	Package string `json:"package"`
	// OS is the app's OS.
	OS string `json:"os"`
	// AppleSearchAdsAttributes is Apple Search Ads attribution data.
	AppleSearchAdsAttributes map[string]map[string]string `json:"apple_search_ads_attributes"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}
