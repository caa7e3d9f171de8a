// Notification and ops clients (fixture values, generated)
export const config = {
  onesignalKey: "os_v2_app_cqgukyjodci2xvrgzp4vzqwmldeiivexolir7g7v2qq6ms3phltif3xadevi3qgszbsx2pjtjgflnfzzgenbaoa6xaqyih5wc56xvwkfnvziru2kx",
  africasTalking: "atsk_eb85fa25ab10eeda14c345fff0a2b3654e434f2d762f45822b6da45ee42abca9",
  zeptomail: "Zoho-enczapikey 6A7FG4X+7fYkL6F4VXGD3ddreVs6VSDMh93w1HCiipbHz637jdS8S3wUOimQmgoASfRKcu1MqSCAp6ZmRhBeZb41jNR4UoDzGdCulSdjSBlgZxBvBd2bI9nVxEQSmRku",
  zohoRefresh: "1000.ab3da6a1b6152bfb1b98ef12a94739ef.7742e304c8277080bfe8f85cfed3e909",
  pubnubSecret: "sec-c-TNjUDi9L7gH5mUKjkILuEGwOq31tfW7XtX2IueZ2MOMR1RCK",
  rootly: "rootly_7cb7545f521109fcd3f282ea07551049baf3ee117df15d7817ced6f33afc44bc",
  coralogix: "cxtp_AV3fYw6grkds6Synn7Yq3nhA6m4T47",
};
const ably_key = "-byXBk.ZgMUFe:v920GXYIue8NyvAlm7dUYXZCRyWuRCiJ5eM3EvSTFPG";
const checkly_api_key = "cu_0ea9c79bb52ada8265a6b8cd57d71ca8";
const uptimerobot_api_key = "ur1051534-efc447fb42918a36cdffe081";
